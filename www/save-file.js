// Saving a file the page made (weights, Table I, Fig. 2): a download of its bytes or text.

/** Offers `content` (bytes or text) as a download named `fileName`, of MIME type `type`. */
export function saveFile(content, fileName, type) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Long enough for the browser to have started the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
