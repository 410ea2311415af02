// The console's only script: "+ Add Another" adds one more blank custom-header row (without
// JavaScript the form always has two blank rows).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("add-header");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var rows = document.querySelectorAll("#custom-headers .header-row");
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    rows[rows.length - 1].after(copy);
  });
});
