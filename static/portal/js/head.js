// Runs in <head>: tells the stylesheet that scripts run, so the no-script fallbacks
// (for example the always-open navigation on small screens) switch off before first paint.
document.documentElement.classList.replace("no-js", "js");
