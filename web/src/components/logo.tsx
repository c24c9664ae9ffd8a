export function Logo() {
  return (
    <span className="logo">
      <svg className="logo-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="8" />
        <path d="M9 21.5c0-5 3.4-9 8-9s6 2.6 6 5.2c0 3-2.3 4.8-5 4.8h-3.5L11 26v-4.5" />
      </svg>
      <span className="logo-word">Hark</span>
    </span>
  );
}
