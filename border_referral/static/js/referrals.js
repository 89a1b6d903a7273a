// New referral: when the purpose changes, tick the fields that purpose needs at the least.
(function () {
  var form = document.getElementById("referral-form");
  if (!form) return;
  var minimum = JSON.parse(form.dataset.minimum || "{}");
  var purpose = form.querySelector("select[name=purpose]");
  if (!purpose) return;
  purpose.addEventListener("change", function () {
    var wanted = minimum[purpose.value] || [];
    form.querySelectorAll("input[name=shared_fields]").forEach(function (box) {
      box.checked = wanted.indexOf(box.value) !== -1;
    });
  });
})();
