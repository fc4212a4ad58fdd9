import { useState } from 'react';

/** Copies text; falls back to a hidden textarea where the async clipboard is unavailable. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

/** `label` names the action for assistive tech and tests; the button itself shows `display` ("Copy"). */
export function CopyButton({ text, label = 'Copy', small, display = 'Copy' }: { text: string; label?: string; small?: boolean; display?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className={`btn ghost${small ? ' sm' : ''}`}
      aria-label={label}
      onClick={async () => {
        await copyText(text);
        setDone(true);
        setTimeout(() => setDone(false), 1200);
      }}
    >
      {done ? 'Copied' : display}
    </button>
  );
}
