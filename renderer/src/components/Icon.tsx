// Inline SVG icons: no icon font or CDN, and every glyph renders on every system.
const PATHS: Record<string, string> = {
  deployments: 'M3 4h14v4H3zM3 10h14v4H3zM5.5 6h.01M5.5 12h.01',
  gpus: 'M4 5h12v10H4zM7 8h6v4H7zM2 8h2M2 12h2M16 8h2M16 12h2M8 3v2M12 3v2M8 15v2M12 15v2',
  weights: 'M4 5c0-1.1 2.7-2 6-2s6 .9 6 2-2.7 2-6 2-6-.9-6-2zM4 5v10c0 1.1 2.7 2 6 2s6-.9 6-2V5M4 10c0 1.1 2.7 2 6 2s6-.9 6-2',
  secrets: 'M6 9V6.5a4 4 0 0 1 8 0V9M4.5 9h11v8h-11zM10 12v2',
  settings: 'M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v2.5M10 15.5V18M2 10h2.5M15.5 10H18M4.3 4.3l1.8 1.8M13.9 13.9l1.8 1.8M4.3 15.7l1.8-1.8M13.9 6.1l1.8-1.8',
  catalog: 'M4 3h9l3 3v11H4zM13 3v3h3M7 9h6M7 12h6M7 15h4',
  anchor: 'M10 6a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM10 6v12M6 9h8M3 12a7 7 0 0 0 14 0',
};

export function Icon({ name, size = 16 }: { name: keyof typeof PATHS | string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name] ?? ''} />
    </svg>
  );
}
