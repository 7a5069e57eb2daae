(function () {
  'use strict';
  var root = document.documentElement;
  var table = document.getElementById('tickets-table');
  var filter = document.getElementById('ticket-filter');
  var outcome = document.getElementById('outcome-filter');
  var count = document.getElementById('ticket-count');

  function value(row, index, type) {
    var cell = row.cells[index];
    var v = cell ? cell.getAttribute('data-v') || '' : '';
    return type === 'num' ? parseFloat(v) || 0 : v.toLowerCase();
  }

  function sortBy(button, dir) {
    var th = button.parentNode;
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var type = button.getAttribute('data-type');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, type), y = value(b, index, type);
      var c = type === 'num' ? x - y : (x < y ? -1 : x > y ? 1 : 0);
      return dir === 'asc' ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll('th button').forEach(function (b) { b.removeAttribute('data-dir'); });
    button.setAttribute('data-dir', dir);
    table.setAttribute('data-sorted', button.getAttribute('data-key') + '-' + dir);
  }

  function applyFilter() {
    var text = (filter.value || '').toLowerCase();
    var wanted = outcome.value;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var ok = (!text || r.textContent.toLowerCase().indexOf(text) >= 0)
        && (!wanted || r.getAttribute('data-outcome') === wanted);
      r.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = shown + ' of ' + table.tBodies[0].rows.length + ' tickets';
    table.setAttribute('data-shown', String(shown));
  }

  if (table) {
    var heads = table.querySelectorAll('th button');
    table.querySelectorAll('tbody tr').forEach(function (r) {
      Array.prototype.forEach.call(r.cells, function (c, i) {
        if (heads[i]) { c.setAttribute('data-label', heads[i].textContent); }
      });
    });
    heads.forEach(function (b) {
      b.addEventListener('click', function () {
        var dir = b.getAttribute('data-dir') === 'asc' ? 'desc'
          : b.getAttribute('data-dir') === 'desc' ? 'asc' : (b.getAttribute('data-type') === 'num' ? 'desc' : 'asc');
        sortBy(b, dir);
      });
    });
    // on a narrow screen the table's header is hidden: the same sort from a select
    var bar = document.createElement('div');
    bar.className = 'mobile-sort';
    var label = document.createElement('label');
    label.textContent = 'sort by ';
    var select = document.createElement('select');
    select.id = 'ticket-sort';
    heads.forEach(function (b) {
      ['asc', 'desc'].forEach(function (d) {
        var o = document.createElement('option');
        o.value = b.getAttribute('data-key') + '-' + d;
        o.textContent = b.textContent + (d === 'asc' ? ' ↑' : ' ↓');
        select.appendChild(o);
      });
    });
    select.addEventListener('change', function () { sortFromKey(select.value); });
    label.appendChild(select);
    bar.appendChild(label);
    table.parentNode.parentNode.insertBefore(bar, table.parentNode);
    filter.addEventListener('input', applyFilter);
    outcome.addEventListener('change', applyFilter);
  }

  function sortFromKey(key) {
    var m = /^(.*)-(asc|desc)$/.exec(key);
    if (!m) { return; }
    var b = table.querySelector('th button[data-key="' + m[1] + '"]');
    if (!b) { return; }
    // the header's own click handler does the sorting: clicked until it points the asked way
    for (var i = 0; i < 3 && b.getAttribute('data-dir') !== m[2]; i++) { b.click(); }
  }

  // the fragment chooses order and filter: report.html#sort=cost-desc&filter=QS-1&outcome=done
  function fromHash() {
    if (!table) { return; }
    var params = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (p) {
      var kv = p.split('=');
      if (kv.length === 2) { params[kv[0]] = decodeURIComponent(kv[1]); }
    });
    if (params.sort) { sortFromKey(params.sort); }
    if (params.filter !== undefined) { filter.value = params.filter; }
    if (params.outcome !== undefined) { outcome.value = params.outcome; }
    if (params.filter !== undefined || params.outcome !== undefined) { applyFilter(); }
  }
  fromHash();
  window.addEventListener('hashchange', fromHash);

  // what a checker reads from the rendered page: the widths after layout (overflow shows as scroll > client)
  function measure() {
    root.setAttribute('data-scroll-width', String(root.scrollWidth));
    root.setAttribute('data-client-width', String(root.clientWidth));
  }
  measure();
  window.addEventListener('load', measure);
  window.addEventListener('resize', measure);
}());
