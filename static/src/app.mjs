// Starts GOV.UK Frontend's components, and again on whatever htmx swaps in.
import { initAll } from "./govuk-frontend.min.js";

initAll();
document.addEventListener("htmx:after:swap", (event) => {
  if (event.target instanceof Element) initAll({ scope: event.target });
});
