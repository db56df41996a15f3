//! One drop-down filter of the Traffic toolbar ("all" or one value), highlighted while set.

export function FilterSelect<T extends string>({
  label,
  value,
  options,
  onChange,
  render,
}: {
  label: string;
  value: T | "";
  options: readonly T[];
  onChange: (v: T | "") => void;
  render?: (v: T) => string;
}) {
  return (
    <label className={`tx-filter${value ? " set" : ""}`}>
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value as T | "")} aria-label={label}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {render ? render(o) : o}
          </option>
        ))}
      </select>
    </label>
  );
}
