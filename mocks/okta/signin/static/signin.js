// Counts down the wait before "Send again" may be used (the server enforces it regardless).
document.addEventListener("DOMContentLoaded", () => {
  const wait = document.querySelector("[data-wait]");
  if (!wait) return;
  const shown = wait.querySelector("[data-countdown]");
  const button = document.querySelector("[data-enable-after-wait]");
  let left = Number(wait.dataset.wait);
  const timer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      shown.textContent = String(left);
      return;
    }
    clearInterval(timer);
    wait.textContent = "Haven't received an SMS?";
    if (button) button.disabled = false;
  }, 1000);
});
