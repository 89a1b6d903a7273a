// Signature pads: draw with a finger, a pen or a mouse; the drawing goes into a hidden field as a PNG.
//
// The pad is shown at whatever size the page's layout gives it (its width attribute only sets its
// proportions), so its bitmap is sized to the displayed size times the screen's pixel ratio, and
// pointer positions are taken in displayed pixels: the ink lands under the pointer on every part of
// the pad, and stays sharp. A resize keeps what was drawn (scaled to the new size). The hidden field
// gets a PNG of a fixed size (EXPORT_WIDTH wide), whatever the screen, and a form shown again after
// a refusal draws the signature kept in its hidden field back onto the pad. Each pad has a "Clear"
// button (a <button data-clear="<pad's hidden field id>">).
(function () {
  var EXPORT_WIDTH = 600, PREFIX = "data:image/png;base64,";

  function setUp(canvas) {
    var target = document.getElementById(canvas.dataset.target);
    var ratio = (parseFloat(canvas.getAttribute("width")) || 300) / (parseFloat(canvas.getAttribute("height")) || 110);
    var ctx = canvas.getContext("2d"), drawing = false, inked = false, last = null;
    // The height follows the width (never the bitmap's size, which this script changes), and a finger
    // draws instead of scrolling the page.
    canvas.style.aspectRatio = String(ratio);
    canvas.style.height = "auto";
    canvas.style.touchAction = "none";

    function cssSize() { return [canvas.clientWidth || 300, canvas.clientHeight || Math.round((canvas.clientWidth || 300) / ratio)]; }

    function pen() {
      var size = cssSize();
      // Draw in displayed (CSS) pixels; the transform maps them onto the bitmap.
      ctx.setTransform(canvas.width / size[0], 0, 0, canvas.height / size[1], 0, 0);
      ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111"; ctx.fillStyle = "#111";
    }

    function fit() {
      var size = cssSize(), dpr = window.devicePixelRatio || 1;
      var w = Math.max(1, Math.round(size[0] * dpr)), h = Math.max(1, Math.round(size[1] * dpr));
      if (w === canvas.width && h === canvas.height) return;
      var old = null;
      if (inked) { old = document.createElement("canvas"); old.width = canvas.width; old.height = canvas.height; old.getContext("2d").drawImage(canvas, 0, 0); }
      canvas.width = w; canvas.height = h;  // this clears the bitmap and the context's settings
      if (old) { ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(old, 0, 0, w, h); }
      pen();
    }

    function at(e) {
      var r = canvas.getBoundingClientRect(), size = cssSize();
      // Inside the border; scaled in case the box is transformed (zoom) and differs from clientWidth.
      var sx = r.width ? (canvas.offsetWidth || r.width) / r.width : 1, sy = r.height ? (canvas.offsetHeight || r.height) / r.height : 1;
      var x = (e.clientX - r.left) * sx - canvas.clientLeft, y = (e.clientY - r.top) * sy - canvas.clientTop;
      return [Math.min(Math.max(x, 0), size[0]), Math.min(Math.max(y, 0), size[1])];
    }

    function save() {
      if (!target) return;
      var out = document.createElement("canvas");
      out.width = EXPORT_WIDTH; out.height = Math.round(EXPORT_WIDTH / ratio);
      out.getContext("2d").drawImage(canvas, 0, 0, out.width, out.height);
      target.value = out.toDataURL("image/png");
    }

    function clear() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      pen();
      inked = false;
      if (target) target.value = "";
    }

    canvas.addEventListener("pointerdown", function (e) {
      if (e.button !== undefined && e.button !== 0 && e.pointerType === "mouse") return;
      e.preventDefault();
      drawing = true; inked = true; last = at(e);
      ctx.beginPath(); ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI); ctx.fill();  // a dot for a tap
      if (canvas.setPointerCapture) { try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* a pointer already gone */ } }
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      var p = at(e);
      ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
      last = p;
    });
    function end() { if (!drawing) return; drawing = false; last = null; save(); }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    fit();
    if (window.ResizeObserver) new ResizeObserver(function () { fit(); }).observe(canvas);
    else window.addEventListener("resize", fit);

    // A signature kept in the hidden field (the form came back refused): draw it back onto the pad.
    if (target && target.value.indexOf(PREFIX) === 0) {
      var img = new Image();
      img.onload = function () {
        var size = cssSize();
        inked = true;
        ctx.drawImage(img, 0, 0, size[0], size[1]);
        canvas.dataset.restored = "1";
      };
      img.src = target.value;
    }

    document.querySelectorAll('button[data-clear="' + canvas.dataset.target + '"]').forEach(function (button) {
      button.hidden = false;
      button.style.alignSelf = "flex-start";  // not stretched across the field like the pad
      button.addEventListener("click", function (e) { e.preventDefault(); clear(); });
    });
  }

  document.querySelectorAll("canvas.signature-pad").forEach(setUp);
})();
