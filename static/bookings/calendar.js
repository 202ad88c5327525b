// The availability page's month calendar: a progressive enhancement of the list of free
// times, which stays on the page and works without this file.
//
// The server renders each month (bookings:availability_month) as a WAI-ARIA grid of days
// followed by each day's free times, as the same small forms the list has: choosing a time
// posts the same form and holds it the same way. This file only fetches months, moves focus
// and shows a day's times. Keyboard: arrow keys move a day or a week, Home and End go to the
// week's ends, Page Up and Page Down change the month, Enter or Space opens the day's times
// (focus moves to their title, so Tab reaches the first time). Changes are announced in a
// polite live region. A toggle shows one week at a time (the week of the focusable day). No inline script or style: the page's Content-Security-Policy holds.
(function () {
  "use strict";

  var region = document.querySelector("[data-calendar]");
  if (!region || !window.fetch) {
    return;
  }
  var body = region.querySelector("[data-calendar-body]");
  var status = region.querySelector("[data-calendar-status]");
  var url = region.getAttribute("data-url");
  var length = region.getAttribute("data-length");
  var selected = "";
  // Week view: only the row of the focusable day is shown (the month is still the grid).
  var weekView = false;

  function announce(text) {
    // Emptied first, so the same words twice are read twice.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 100);
  }

  function calendar() {
    return body.querySelector(".portal-cal");
  }

  function cell(date) {
    return body.querySelector('td[data-date="' + date + '"]');
  }

  function addDays(date, days) {
    var parts = date.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2] + days));
    return day.toISOString().slice(0, 10);
  }

  function lastOfMonth(month) {
    return addDays(addDays(month + "-01", 31).slice(0, 7) + "-01", -1);
  }

  function showWeek() {
    var grid = body.querySelector(".portal-cal__grid");
    var toggle = body.querySelector(".portal-cal__view");
    if (!grid || !toggle) {
      return;
    }
    grid.classList.toggle("portal-cal__grid--week", weekView);
    toggle.setAttribute("aria-pressed", weekView ? "true" : "false");
    grid.querySelectorAll("tbody tr").forEach(function (row) {
      row.classList.toggle("portal-cal__week--current", Boolean(row.querySelector('td[tabindex="0"]')));
    });
  }

  function activate(target, focus) {
    body.querySelectorAll("td[data-date]").forEach(function (each) {
      each.setAttribute("tabindex", each === target ? "0" : "-1");
    });
    showWeek();
    if (focus) {
      target.focus();
    }
  }

  function load(month, focusDate, afterLoad) {
    var address = url + "?month=" + encodeURIComponent(month) + "&length=" + encodeURIComponent(length);
    return fetch(address, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        body.innerHTML = html;
        region.hidden = false;
        var target =
          (focusDate && cell(focusDate)) ||
          (selected && cell(selected)) ||
          body.querySelector("td.portal-cal__day--free") ||
          body.querySelector("td[data-date]");
        if (selected && cell(selected)) {
          cell(selected).setAttribute("aria-selected", "true");
        }
        activate(target, Boolean(focusDate));
        if (afterLoad) {
          afterLoad();
        }
      })
      .catch(function () {
        region.hidden = false;
        body.textContent = region.getAttribute("data-error");
      });
  }

  function move(from, days) {
    var date = addDays(from.getAttribute("data-date"), days);
    var target = cell(date);
    if (target) {
      activate(target, true);
      return;
    }
    var grid = calendar();
    var month = date.slice(0, 7);
    var allowed = [grid.getAttribute("data-previous"), grid.getAttribute("data-next")];
    if (allowed.indexOf(month) !== -1) {
      load(month, date, announceMonth);
    }
  }

  function changeMonth(from, step) {
    var grid = calendar();
    var month = grid.getAttribute(step < 0 ? "data-previous" : "data-next");
    if (!month) {
      return;
    }
    // The same day of the other month, or its last day.
    var day = from ? from.getAttribute("data-date").slice(8) : "01";
    var date = month + "-" + day;
    if (date > lastOfMonth(month)) {
      date = lastOfMonth(month);
    }
    load(month, from ? date : null, announceMonth);
  }

  function announceMonth() {
    var title = body.querySelector(".portal-cal__title");
    if (title) {
      announce(title.textContent);
    }
  }

  function choose(target) {
    var date = target.getAttribute("data-date");
    selected = date;
    body.querySelectorAll("td[data-date]").forEach(function (each) {
      each.setAttribute("aria-selected", each === target ? "true" : "false");
    });
    body.querySelectorAll("[data-times]").forEach(function (times) {
      times.hidden = times.getAttribute("data-times") !== date;
    });
    activate(target, false);
    var panel = body.querySelector('[data-times="' + date + '"]');
    if (!panel) {
      return;
    }
    if (panel.querySelector(".portal-slots")) {
      // Focus on the title ("Tuesday, June 15: 4 free times"); Tab goes on to the times.
      panel.querySelector(".portal-cal__times-title").focus();
    } else {
      announce(panel.textContent.replace(/\s+/g, " ").trim());
    }
  }

  body.addEventListener("keydown", function (event) {
    var target = event.target.closest ? event.target.closest("td[data-date]") : null;
    if (!target) {
      return;
    }
    var row = target.parentElement.querySelectorAll("td[data-date]");
    switch (event.key) {
      case "ArrowLeft":
        move(target, -1);
        break;
      case "ArrowRight":
        move(target, 1);
        break;
      case "ArrowUp":
        move(target, -7);
        break;
      case "ArrowDown":
        move(target, 7);
        break;
      case "Home":
        activate(row[0], true);
        break;
      case "End":
        activate(row[row.length - 1], true);
        break;
      case "PageUp":
        changeMonth(target, -1);
        break;
      case "PageDown":
        changeMonth(target, 1);
        break;
      case "Enter":
      case " ":
        choose(target);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  body.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".portal-cal__view")) {
      weekView = !weekView;
      showWeek();
      return;
    }
    var go = event.target.closest ? event.target.closest("button[data-go]") : null;
    if (go && !go.disabled) {
      var next = go.classList.contains("portal-cal__next");
      load(go.getAttribute("data-go"), null, function () {
        var again = body.querySelector(next ? ".portal-cal__next" : ".portal-cal__previous");
        if (again && !again.disabled) {
          again.focus();
        } else {
          var active = body.querySelector('td[tabindex="0"]');
          if (active) {
            active.focus();
          }
        }
        announceMonth();
      });
      return;
    }
    var day = event.target.closest ? event.target.closest("td[data-date]") : null;
    if (day) {
      choose(day);
    }
  });

  load(region.getAttribute("data-month"), null, null);
})();
