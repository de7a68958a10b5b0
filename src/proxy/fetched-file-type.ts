import type { FetchedFile } from "../upstream/fetch-file-url";

/** Read the file at `url` for the part at `where` (the client's own path to it, for the 400). */
export type ReadFileUrl = (url: string, where: string) => Promise<FetchedFile>;

/** A type from the file name when the server named none usable; PDF, what Chat file inputs mostly are, otherwise. */
export function mediaTypeOf(file: FetchedFile, filename: string): string {
  if (file.mediaType && file.mediaType !== "application/octet-stream") return file.mediaType;
  const extension = filename.toLowerCase().split(".").at(-1);
  if (extension === "txt") return "text/plain";
  if (extension === "md") return "text/markdown";
  if (extension === "csv") return "text/csv";
  if (extension === "json") return "application/json";
  return "application/pdf";
}
