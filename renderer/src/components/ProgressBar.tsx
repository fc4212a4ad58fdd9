export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  const pct = value === null ? null : Math.max(0, Math.min(100, value * 100));
  return (
    <div className={`progress${pct === null ? ' indeterminate' : ''}`} role="progressbar" aria-label={label}
      aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
      <div className="bar" style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
