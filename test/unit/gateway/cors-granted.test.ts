// Origins a laptop grants to this Berth's gateways (gateway.allowUiOrigins): only a Berth UI's
// own kinds of origin are ever let in, and the list stays bounded however often laptops reconnect.
import { describe, expect, it } from 'vitest';
import { allowLaptopUiOrigins, allowUiOrigin, corsHeaders, disallowUiOrigin, uiOrigins } from '../../../electron/engine/gateway/cors.js';
import { commands } from '../../../shared/api/commands.js';

describe('origins granted by a laptop', () => {
  it('lets in berth://app and loopback http origins only', () => {
    allowLaptopUiOrigins(['http://127.0.0.1:51234', 'berth://app', 'https://evil.example', 'http://10.0.0.5:7870', 'http://127.0.0.1.evil.example:80', 'null']);
    expect(corsHeaders('http://127.0.0.1:51234')?.['access-control-allow-origin']).toBe('http://127.0.0.1:51234');
    expect(corsHeaders('berth://app')).not.toBeNull();
    for (const o of ['https://evil.example', 'http://10.0.0.5:7870', 'http://127.0.0.1.evil.example:80', 'null', 'http://127.0.0.1:51235']) expect(corsHeaders(o)).toBeNull();
  });

  it('is refused by the API schema before it reaches the list', () => {
    const schema = commands['gateway.allowUiOrigins'].input;
    expect(schema.safeParse({ origins: ['http://localhost:5173', 'http://[::1]:7870', 'berth://app'] }).success).toBe(true);
    expect(schema.safeParse({ origins: ['https://evil.example'] }).success).toBe(false);
    expect(schema.safeParse({ origins: ['http://127.0.0.1:7870/path'] }).success).toBe(false);
  });

  it('keeps the 16 most recent grants', () => {
    allowLaptopUiOrigins(['http://127.0.0.1:40000']);
    allowLaptopUiOrigins(Array.from({ length: 16 }, (_, i) => `http://127.0.0.1:${41000 + i}`));
    expect(corsHeaders('http://127.0.0.1:40000')).toBeNull();
    expect(corsHeaders('http://127.0.0.1:41000')).not.toBeNull();
    expect(corsHeaders('http://127.0.0.1:41015')).not.toBeNull();
  });

  it('lists this process own UI origins for the machines it drives, not the granted ones', () => {
    allowUiOrigin('http://127.0.0.1:7870/');
    expect(uiOrigins()).toEqual(['http://127.0.0.1:7870']);
    disallowUiOrigin('http://127.0.0.1:7870');
    expect(uiOrigins()).toEqual([]);
  });
});
