// Starts GOV.UK Frontend's components, and again on whatever htmx swaps in.
import { initAll } from "./govuk-frontend.min.js";

initAll();
// htmx fires htmx:after:process on each piece of new content once its htmx attributes are processed.
// Components already started (the page's own, at load) are skipped quietly rather than started twice.
document.addEventListener("htmx:after:process", (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    initAll({
      scope: event.target,
      onError: (error) => {
        if (error?.name !== "InitError") console.error(error);
      },
    });
  }
});

// When a swap removes the focused element (a "Remove" button, say), focus would fall back to the top of the
// page. Put it on the first heading of the new content instead, so keyboard and screen reader users keep their place.
document.addEventListener("htmx:after:swap", () => {
  if (document.activeElement && document.activeElement !== document.body) return;
  const heading = document.querySelector("[data-focus-after-swap]");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
});

// A print button (the caution document): printing needs JavaScript, so the button shows only where it runs (see
// .app-print in app.scss). Listening on the document also covers pages that htmx swapped in.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-app-print]")) window.print();
});
// A "Remove" link fetches its confirmation page's content into the page's dialog (hx-get): open it as a modal.
// Without JavaScript the same link opens the confirmation as a page of its own.
document.addEventListener("htmx:after:swap", () => {
  const dialog = document.getElementById("confirm-dialog");
  if (dialog && !dialog.open && dialog.childElementCount > 0) {
    dialog.showModal();
    dialog.querySelector("[data-focus-after-swap]")?.focus();
  }
});
// Cancel closes the dialog rather than leaving the page; closing it empties it, so it opens fresh next time.
document.addEventListener("click", (event) => {
  const cancel = event.target instanceof Element && event.target.closest("dialog [data-dialog-close]");
  if (cancel) {
    event.preventDefault();
    cancel.closest("dialog").close();
  }
});
document.addEventListener("close", (event) => {
  if (event.target instanceof HTMLDialogElement && event.target.id === "confirm-dialog") event.target.replaceChildren();
}, true);
