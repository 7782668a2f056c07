/** Placeholder shell page; the real UI comes later. No inline styles (CSP: style-src 'self'). */
export function App() {
  const version = window.custodian?.version;
  return (
    <main className="shell">
      <h1>Custodian</h1>
      <p>An offline attestation verifier and key-broker console.</p>
      <ul className="facts">
        <li>Network: none (connect-src &apos;none&apos;)</li>
        <li>Version: {version ?? 'unknown (preload API not available)'}</li>
      </ul>
    </main>
  );
}
