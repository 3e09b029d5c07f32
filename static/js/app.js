// Small progressive enhancements; kept in a file so the CSP needs no inline scripts.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit")) {
    el.form.submit();
  }
});

// Keyboard: "/" jumps to the search box, "n" opens the page's "new" action.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    const search = document.querySelector("input[type=search]");
    if (search) { event.preventDefault(); search.focus(); }
  } else if (event.key === "n") {
    const create = document.querySelector("[data-shortcut=new]");
    if (create) { event.preventDefault(); create.click(); }
  }
});
