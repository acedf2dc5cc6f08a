/**
 * The only script Gatehouse serves, and every page works without it. It
 * adds comfort: the manual key is selected when focused and gets a "Copy"
 * button (without JS the key stays in a read-only field that can be
 * selected and copied by hand), and a pasted code keeps only its digits
 * (the server accepts spaces and hyphens anyway).
 */
export const PAGE_JS = `(function () {
  'use strict';
  function selectAll(el) {
    el.focus();
    el.select();
    el.setSelectionRange(0, el.value.length);
  }
  document.querySelectorAll('[data-select-on-focus]').forEach(function (el) {
    el.addEventListener('focus', function () { selectAll(el); });
    // A click places the caret after focus; select again once it has.
    el.addEventListener('mouseup', function (e) { e.preventDefault(); selectAll(el); });
  });
  document.querySelectorAll('[data-copy-target]').forEach(function (btn) {
    var field = document.getElementById(btn.getAttribute('data-copy-target'));
    var status = document.getElementById(btn.getAttribute('data-copy-status') || '');
    if (!field) return;
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var text = field.value.replace(/\\s+/g, '');
      function done() {
        if (!status) return;
        status.textContent = btn.getAttribute('data-copied') || '';
        setTimeout(function () { status.textContent = ''; }, 4000);
      }
      function fallback() {
        selectAll(field);
        try { if (document.execCommand('copy')) done(); } catch (e) { /* the key stays selected for Ctrl+C */ }
      }
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
  });
  document.querySelectorAll('input.code').forEach(function (input) {
    input.addEventListener('paste', function (e) {
      var data = e.clipboardData || window.clipboardData;
      var text = data && data.getData('text');
      if (!text) return;
      var digits = text.replace(/[^0-9]/g, '');
      if (!digits) return;
      e.preventDefault();
      input.value = digits.slice(0, 10);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });
})();
`;
