/** createVm's progress as its NDJSON steps arrive, and its error. */
export function CreateProgress({
  creating,
  progress,
  error,
}: {
  creating: boolean;
  progress: string[];
  error: string | null;
}) {
  return (
    <>
      {(creating || progress.length > 0) && (
        <div role="status" aria-label="Progress" className="progress">
          <progress aria-label="Creating the VM" />
          <ol>
            {progress.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ol>
        </div>
      )}
      {error && <p role="alert" className="error">{error}</p>}
    </>
  );
}
