/**
 * The only script Gatehouse serves, and pages work without it: it reveals a
 * "Copy key" button (the key stays selectable without JS) and normalises
 * pasted codes.
 */
export const PAGE_JS = `
document.querySelectorAll('[data-copy-target]').forEach(function (btn) {
  btn.hidden = false;
  btn.addEventListener('click', function () {
    var input = document.getElementById(btn.getAttribute('data-copy-target'));
    if (!input) return;
    input.select();
    if (navigator.clipboard) navigator.clipboard.writeText(input.value.replace(/\\s+/g, ''));
    else document.execCommand('copy');
  });
});
document.querySelectorAll('input.code').forEach(function (input) {
  input.addEventListener('paste', function (e) {
    var text = (e.clipboardData || window.clipboardData).getData('text');
    if (!text) return;
    e.preventDefault();
    input.value = text.replace(/[^0-9]/g, '').slice(0, 8);
  });
});
`;
