// Progressive enhancement only: every page works without JavaScript.
// Forms with data-confirm ask before destructive actions (promote, roll back).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
