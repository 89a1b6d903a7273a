// Signature pads: draw with a finger, a pen or a mouse; the drawing goes into a hidden field as a PNG.
(function () {
  document.querySelectorAll("canvas.signature-pad").forEach(function (canvas) {
    var ctx = canvas.getContext("2d"), drawing = false, target = document.getElementById(canvas.dataset.target);
    ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function at(e) { var r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointermove", function (e) { if (!drawing) return; var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); });
    function end() { if (!drawing) return; drawing = false; if (target) target.value = canvas.toDataURL("image/png"); }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointerleave", end);
  });
})();
