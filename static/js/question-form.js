/* The form that adds a question (templates/assessments/question_form.html), enhanced.
   Without this script the page works: the kind is chosen first, "Change the kind" and
   "Add another choice" come back from the server. With it:
   - changing the kind shows that kind's parts (fieldsets with data-kinds) at once;
   - "Add another choice" adds an empty row here (up to data-max), the server reading the
     rows from their names and the hidden choice_count. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-question-form]");
  if (!form) {
    return;
  }

  var kind = form.querySelector("select[name='kind']");
  var parts = form.querySelectorAll("[data-kinds]");
  function showParts() {
    parts.forEach(function (part) {
      part.hidden = part.getAttribute("data-kinds").split(" ").indexOf(kind.value) === -1;
    });
  }
  if (kind) {
    kind.addEventListener("change", showParts);
    showParts();
    var change = form.querySelector("[data-kind-submit]");
    if (change) {
      change.hidden = true;
    }
  }

  var add = form.querySelector("[data-add-choice]");
  var rows = form.querySelector("[data-choice-rows]");
  var count = form.querySelector("input[name='choice_count']");
  if (!add || !rows || !count) {
    return;
  }
  var maximum = parseInt(add.getAttribute("data-max"), 10);
  add.addEventListener("click", function (event) {
    var last = rows.lastElementChild;
    var number = rows.children.length;
    var next = number + 1;
    if (!last || next > maximum) {
      return; // let the server say so
    }
    event.preventDefault();
    var row = last.cloneNode(true);
    var suffix = new RegExp("_" + number + "$");
    var word = new RegExp("(^|\\D)" + number + "(?!\\d)");
    row.querySelectorAll("[id], [name], [for]").forEach(function (element) {
      ["id", "name", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) {
          element.setAttribute(attribute, value.replace(suffix, "_" + next));
        }
      });
    });
    row.querySelectorAll("th, label").forEach(function (element) {
      element.textContent = element.textContent.replace(word, "$1" + next);
    });
    row.querySelectorAll("input").forEach(function (input) {
      if (input.type === "checkbox") {
        input.checked = false;
      } else {
        input.value = "";
      }
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".errorlist").forEach(function (list) {
      list.remove();
    });
    rows.appendChild(row);
    count.value = String(next);
    if (next >= maximum) {
      add.hidden = true;
    }
    row.querySelector("input[type='text']").focus();
  });
})();
