// Intake form builder: "Move up" / "Move down" buttons that reorder the field rows and renumber
// their position inputs. Without this script the numbers are typed by hand and work the same.
const list = document.querySelector(".desk-field-list");
const status = document.getElementById("desk-move-status");

function renumber() {
  let position = 1;
  for (const item of list.children) {
    const order = item.querySelector('input[name$="-ORDER"]');
    const label = item.querySelector('input[name$="-label"]');
    if (!order) continue;
    order.value = label && label.value.trim() ? position++ : "";
  }
}

if (list) {
  for (const item of list.children) {
    const foot = item.querySelector(".desk-field-foot");
    const label = item.querySelector('input[name$="-label"]');
    for (const direction of ["up", "down"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary button-small";
      button.dataset.move = direction;
      button.textContent = list.dataset[direction];
      button.setAttribute("aria-describedby", label ? label.id : "");
      foot.append(button);
    }
  }
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move]");
    if (!button) return;
    const item = button.closest("li");
    const neighbour = button.dataset.move === "up" ? item.previousElementSibling
      : item.nextElementSibling;
    if (!neighbour) return;
    if (button.dataset.move === "up") neighbour.before(item); else neighbour.after(item);
    renumber();
    button.focus();
    const position = [...list.children].indexOf(item) + 1;
    if (status) status.textContent = list.dataset.moved.replace("%s", position);
  });
}
