import type { ApiError } from './api-connection';

export function ErrorMessage({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.message} <code>{error.code}</code>
    </p>
  );
}
