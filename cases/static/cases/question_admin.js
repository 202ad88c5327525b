// Questions on an owner's admin page (cases/questions/admin.py), progressive enhancement:
// - "Only if the answer to" names every question of the page by its label as it is typed
//   (without JavaScript, new rows are named by their number), and "is" suggests the chosen
//   question's answers (the server reads and checks them either way);
// - "Move up" / "Move down" reorder the questions by renumbering their order fields (without
//   JavaScript, the order numbers do the same).
(function () {
  "use strict";

  function rowsOf(group) {
    return Array.from(group.querySelectorAll(".inline-related")).filter(function (row) {
      return row.id && !row.id.endsWith("-empty") && !row.classList.contains("empty-form");
    });
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function rowIndex(row) {
    var label = field(row, "label");
    var match = label && label.name.match(/-(\d+)-label$/);
    return match ? match[1] : null;
  }

  function removed(row) {
    var box = field(row, "DELETE");
    return (box && box.checked) || row.classList.contains("deleted_row");
  }

  function choicePairs(text) {
    var pairs = [];
    text.split(/\r?\n/).forEach(function (line) {
      var at = line.indexOf("|");
      var key = (at < 0 ? line : line.slice(0, at)).trim();
      var label = at < 0 ? "" : line.slice(at + 1).trim();
      if (!key && !label) return;
      if (at >= 0 && key && label) pairs.push([key, label]);
      else pairs.push([line.trim(), line.trim()]);
    });
    return pairs;
  }

  function answersOf(row, select) {
    var kind = field(row, "kind");
    kind = kind ? kind.value : "";
    if (kind === "yes_no") {
      return [["yes", select.dataset.yesLabel], ["no", select.dataset.noLabel]];
    }
    if (kind === "single_choice" || kind === "multiple_choice") {
      var choices = field(row, "choices");
      return choicePairs(choices ? choices.value : "");
    }
    return [];
  }

  function rowName(row, select) {
    var label = field(row, "label");
    var text = label ? label.value.trim() : "";
    var number = String(Number(rowIndex(row)) + 1);
    if (!text) return select.dataset.newRowFormat.replace("%(number)s", number);
    return select.dataset.rowFormat.replace("%(question)s", text).replace("%(number)s", number);
  }

  function suggestAnswers(row, select, rows) {
    var input = field(row, "condition_is");
    if (!input) return;
    var list = document.getElementById(input.id + "-answers");
    if (!list) {
      list = document.createElement("datalist");
      list.id = input.id + "-answers";
      input.after(list);
      input.setAttribute("list", list.id);
    }
    var parent = rows.find(function (other) { return rowIndex(other) === select.value; });
    var answers = parent ? answersOf(parent, select) : [];
    list.innerHTML = "";
    answers.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[1];
      list.appendChild(option);
    });
  }

  function refresh(group) {
    var rows = rowsOf(group);
    rows.forEach(function (row) {
      var select = field(row, "condition_on");
      if (!select) return;
      var own = rowIndex(row);
      var current = select.value;
      // Django renumbers the rows when one is removed: keep the choice by its words.
      var currentText = select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "";
      var options = [[select.dataset.alwaysLabel, ""]];
      rows.forEach(function (other) {
        var index = rowIndex(other);
        if (index === null || index === own || removed(other)) return;
        options.push([rowName(other, select), index]);
      });
      var same = options.length === select.options.length && options.every(function (option, i) {
        return select.options[i].value === option[1] && select.options[i].text === option[0];
      });
      if (!same) {
        var chosen = options.findIndex(function (option) { return option[1] === current; });
        if (chosen < 0 || (currentText && options[chosen][0] !== currentText)) {
          var byText = options.findIndex(function (option) { return option[0] === currentText; });
          if (byText >= 0) chosen = byText;
        }
        select.innerHTML = "";
        options.forEach(function (option, i) {
          var element = document.createElement("option");
          element.text = option[0];
          element.value = option[1];
          element.selected = i === Math.max(chosen, 0);
          select.add(element);
        });
      }
      suggestAnswers(row, select, rows);
    });
  }

  function renumber(group) {
    var order = 0;
    rowsOf(group).forEach(function (row) {
      var input = field(row, "order");
      if (!input || removed(row)) return;
      order += 10;
      input.value = order;
    });
  }

  function addMoveButtons(group, row) {
    var heading = row.querySelector("h3");
    var select = field(row, "condition_on");
    if (!heading || !select || heading.querySelector(".question-move")) return;
    [["up", select.dataset.moveUp], ["down", select.dataset.moveDown]]
      .forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "question-move";
        button.dataset.direction = spec[0];
        button.textContent = spec[1];
        heading.appendChild(document.createTextNode(" "));
        heading.appendChild(button);
      });
  }

  function setUp(group) {
    if (!group.querySelector('[name$="-condition_on"]')) return;
    rowsOf(group).forEach(function (row) { addMoveButtons(group, row); });
    refresh(group);
    group.addEventListener("input", function () { refresh(group); });
    group.addEventListener("change", function () { refresh(group); });
    group.addEventListener("click", function (event) {
      var button = event.target.closest(".question-move");
      if (!button) return;
      var row = button.closest(".inline-related");
      var rows = rowsOf(group);
      var at = rows.indexOf(row);
      var other = rows[button.dataset.direction === "up" ? at - 1 : at + 1];
      if (!other) return;
      if (button.dataset.direction === "up") other.before(row);
      else other.after(row);
      renumber(group);
      button.focus();
    });
  }

  document.addEventListener("formset:added", function (event) {
    var group = event.target.closest(".inline-group");
    if (!group) return;
    addMoveButtons(group, event.target);
    refresh(group);
  });
  document.addEventListener("formset:removed", function () {
    document.querySelectorAll(".inline-group").forEach(refresh);
  });

  function start() {
    document.querySelectorAll(".inline-group").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
