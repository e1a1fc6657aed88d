/* Voucher entry grid (记账凭证录入): keyboard navigation, account search, live 借贷差额.
 *
 * Plain script, no build step, no dependencies. Money is exact: every typed amount is parsed from its
 * string into an integer number of fen (BigInt) and summed as integers; nothing goes through a float.
 * The pure helpers (parseFen, formatFen, balancingFen) are exported for node so they can be tested.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------------------ exact money (fen)

  var MAX_YUAN_DIGITS = 12; // 999,999,999,999.99 is the largest amount the ledger stores

  /** Parse what was typed into fen. Returns {ok, fen (BigInt), empty} or {ok: false, error}. */
  function parseFen(text) {
    var s = String(text == null ? '' : text);
    if (s.normalize) s = s.normalize('NFKC'); // full-width digits from a Chinese IME: １２３．４５
    s = s.replace(/[\s,¥]/g, '');
    if (s === '') return { ok: true, fen: BigInt(0), empty: true };
    if (s.charAt(0) === '-') return { ok: false, error: '金额不能为负数（红字请用冲销）' };
    if (s.charAt(0) === '+') s = s.slice(1);
    var m = /^(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return { ok: false, error: '金额格式不正确' };
    var yuan = m[1].replace(/^0+(?=\d)/, '') || '0';
    var frac = m[2] || '';
    if (frac.length > 2) {
      if (/[1-9]/.test(frac.slice(2))) return { ok: false, error: '金额最多两位小数' };
      frac = frac.slice(0, 2); // 1.230 is 1.23: trailing zeros are harmless
    }
    if (yuan.length > MAX_YUAN_DIGITS) return { ok: false, error: '金额超出上限' };
    while (frac.length < 2) frac += '0';
    return { ok: true, fen: BigInt(yuan) * BigInt(100) + BigInt(frac), empty: false };
  }

  /** Fen (BigInt) as "1,234.50" (grouped) or "1234.50" (plain, for an input). */
  function formatFen(fen, grouped) {
    var negative = fen < BigInt(0);
    var abs = negative ? -fen : fen;
    var yuan = (abs / BigInt(100)).toString();
    var cents = (abs % BigInt(100)).toString();
    if (cents.length < 2) cents = '0' + cents;
    if (grouped) yuan = yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (negative ? '-' : '') + yuan + '.' + cents;
  }

  /** What a cell on `side` must hold so that the voucher balances, given the other lines' totals.
   * Returns {side, fen}: the side may flip when the other lines already lean that way; fen 0 = balanced. */
  function balancingFen(side, otherDebit, otherCredit) {
    var need = side === 'debit' ? otherCredit - otherDebit : otherDebit - otherCredit;
    if (need >= BigInt(0)) return { side: side, fen: need };
    return { side: side === 'debit' ? 'credit' : 'debit', fen: -need };
  }

  var api = { parseFen: parseFen, formatFen: formatFen, balancingFen: balancingFen };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  if (typeof document === 'undefined') return;

  // ------------------------------------------------------------------------------------ the page

  var ORDER = ['account', 'debit', 'credit', 'department', 'partner', 'funding_source', 'project', 'employee',
               'memo'];
  // 现金流量项目 (cash_flow_item) is left out of the Enter order: optional, reached by Tab or the mouse
  var DIMENSIONS = ['department', 'partner', 'funding_source', 'project', 'employee'];
  // cells that show the name of their code below it: the dimensions and the 现金流量项目 (its names come with the page)
  var NAMED = DIMENSIONS.concat(['cash_flow_item']);

  function init() {
    var form = document.getElementById('voucher-form');
    if (!form) return;
    var body = form.querySelector('#voucher-lines tbody');
    var template = document.getElementById('voucher-line-template');
    var suggestions = document.getElementById('account-suggestions');
    var institutionSelect = form.querySelector('select[name="institution"]');
    var heads = Array.prototype.slice.call(form.querySelectorAll('[data-head]'));
    var searchUrl = form.getAttribute('data-search-url');
    var dimensionsUrl = form.getAttribute('data-dimensions-url');
    var cache = {}; // institution|query -> items
    var submitting = false;

    function institution() { return institutionSelect ? institutionSelect.value : ''; }
    function rows() { return Array.prototype.slice.call(body.querySelectorAll('tr.line')); }
    function cell(row, col) { return row.querySelector('input[data-col="' + col + '"]'); }
    function rowOf(input) { return input.closest('tr.line'); }
    function isBlank(row) {
      return ORDER.every(function (col) { return !cell(row, col).value.trim(); });
    }

    // ---- rows
    function addRow() {
      var row = template.content.firstElementChild.cloneNode(true);
      body.appendChild(row);
      renumber();
      return row;
    }
    function ensureTrailingBlank() {
      var all = rows();
      if (!all.length || !isBlank(all[all.length - 1])) addRow();
    }
    function renumber() {
      rows().forEach(function (row, i) { row.querySelector('.no').textContent = i + 1; });
    }
    function removeRow(row) {
      var all = rows();
      var index = all.indexOf(row);
      if (all.length <= 2) { // keep two lines: clear instead
        ORDER.forEach(function (col) { cell(row, col).value = ''; });
        setAccountInfo(row, null);
      } else {
        row.parentNode.removeChild(row);
      }
      renumber();
      ensureTrailingBlank();
      recalc();
      var target = rows()[Math.min(index, rows().length - 1)];
      if (target) focusCell(cell(target, 'account'));
    }

    // ---- totals
    function recalc() {
      var debit = BigInt(0), credit = BigInt(0), bad = 0;
      rows().forEach(function (row) {
        ['debit', 'credit'].forEach(function (side) {
          var input = cell(row, side);
          var parsed = parseFen(input.value);
          input.classList.toggle('invalid', !parsed.ok);
          if (!parsed.ok) { input.title = parsed.error; bad += 1; return; }
          if (input.title && input.getAttribute('aria-invalid') !== 'true') input.title = '';
          if (side === 'debit') debit += parsed.fen; else credit += parsed.fen;
        });
      });
      var diff = debit - credit;
      document.getElementById('total-debit').textContent = formatFen(debit, true);
      document.getElementById('total-credit').textContent = formatFen(credit, true);
      var diffEl = document.getElementById('total-diff');
      diffEl.textContent = formatFen(diff, true);
      diffEl.className = diff === BigInt(0) ? 'balanced' : 'unbalanced';
      var note = document.getElementById('total-note');
      if (bad) note.textContent = '有 ' + bad + ' 个金额格式错误，未计入合计';
      else if (diff > BigInt(0)) note.textContent = '借方大于贷方';
      else if (diff < BigInt(0)) note.textContent = '贷方大于借方';
      else note.textContent = debit > BigInt(0) ? '借贷平衡' : '';
    }

    function otherTotals(exceptRow) {
      var debit = BigInt(0), credit = BigInt(0);
      rows().forEach(function (row) {
        if (row === exceptRow) return;
        var d = parseFen(cell(row, 'debit').value), c = parseFen(cell(row, 'credit').value);
        if (d.ok) debit += d.fen;
        if (c.ok) credit += c.fen;
      });
      return { debit: debit, credit: credit };
    }

    function fillBalance(input) {
      var row = rowOf(input);
      var side = input.getAttribute('data-col');
      var others = otherTotals(row);
      var result = balancingFen(side, others.debit, others.credit);
      if (result.fen === BigInt(0)) return;
      var target = cell(row, result.side);
      var opposite = cell(row, result.side === 'debit' ? 'credit' : 'debit');
      target.value = formatFen(result.fen, true);
      opposite.value = '';
      recalc();
      ensureTrailingBlank();
      focusCell(target);
    }

    function tidyAmount(input) {
      var parsed = parseFen(input.value);
      if (parsed.ok && !parsed.empty) input.value = formatFen(parsed.fen, true); // 2,345.67: grouped, as printed
    }

    // ---- navigation
    function focusCell(input) {
      if (!input) return;
      input.focus();
      if (input.select) input.select();
    }
    function required(row) {
      return (row.getAttribute('data-required') || '').split(',').filter(Boolean);
    }
    function nextInRow(row, col) {
      var needed = required(row);
      for (var i = ORDER.indexOf(col) + 1; i < ORDER.length; i++) {
        var name = ORDER[i];
        if (name === 'credit' && cell(row, 'debit').value.trim()) continue; // one side per line
        if (DIMENSIONS.indexOf(name) >= 0 && needed.indexOf(name) < 0 && !cell(row, name).value.trim()) continue;
        return cell(row, name);
      }
      return null;
    }
    function moveNext(input) {
      var row = rowOf(input);
      var col = input.getAttribute('data-col');
      if (col === 'account' && isBlank(row) && rows().filter(function (r) { return !isBlank(r); }).length >= 2) {
        document.getElementById('save').focus(); // an empty new line: the voucher is done
        return;
      }
      var next = nextInRow(row, col);
      if (next && next.getAttribute('data-col') === 'memo' && !next.value) {
        // 摘要 carries over (previous line, else the voucher's), selected so that typing replaces it
        var previous = row.previousElementSibling;
        var header = form.querySelector('input[name="memo"]');
        next.value = (previous && cell(previous, 'memo').value) || (header ? header.value : '');
      }
      if (next) { focusCell(next); return; }
      var following = row.nextElementSibling || addRow();
      focusCell(cell(following, 'account'));
    }
    function movePrev(input) {
      var row = rowOf(input);
      var index = ORDER.indexOf(input.getAttribute('data-col'));
      if (index > 0) { focusCell(cell(row, ORDER[index - 1])); return; }
      var previous = row.previousElementSibling;
      if (previous) focusCell(cell(previous, 'memo'));
      else if (heads.length) heads[heads.length - 1].focus();
    }
    function moveVertical(input, step) {
      var row = rowOf(input);
      var target = step < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (target) focusCell(cell(target, input.getAttribute('data-col')));
    }

    // ---- account search and the account's required dimensions
    function fetchJson(url) {
      return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .catch(function () { return { items: [] }; });
    }
    function searchAccounts(q) {
      var key = institution() + '|' + q;
      if (cache[key]) return Promise.resolve(cache[key]);
      var url = searchUrl + '?institution=' + encodeURIComponent(institution()) + '&q=' + encodeURIComponent(q);
      return fetchJson(url).then(function (data) { cache[key] = data.items || []; return cache[key]; });
    }
    function setAccountInfo(row, account, message) {
      var label = row.querySelector('.account-name');
      var needed = account ? account.required : [];
      row.setAttribute('data-required', needed.join(','));
      DIMENSIONS.forEach(function (dim) {
        var td = row.querySelector('td[data-dim="' + dim + '"]');
        var on = needed.indexOf(dim) >= 0;
        td.classList.toggle('required', on);
        cell(row, dim).placeholder = on ? '必填' : '';
      });
      label.classList.toggle('warning', !!message);
      if (message) { label.textContent = message; return; }
      if (!account) { label.textContent = ''; return; }
      label.textContent = (account.full_name || account.name) + (account.required_titles && account.required_titles.length
        ? '（需：' + account.required_titles.join('、') + '）' : '');
    }
    function resolveAccount(row) {
      var code = cell(row, 'account').value.trim();
      if (!code) { setAccountInfo(row, null); return Promise.resolve(); }
      if (code.normalize) code = code.normalize('NFKC');
      return searchAccounts(code).then(function (items) {
        if (cell(row, 'account').value.trim().normalize('NFKC') !== code) return; // typed on meanwhile
        var exact = items.filter(function (item) { return item.code === code; })[0];
        setAccountInfo(row, exact || null, exact ? null : '不是可记账的末级科目');
      });
    }

    var active = null; // {input, items, index}
    var searchTimer = null;
    function hideSuggestions() { suggestions.hidden = true; active = null; }
    function showSuggestions(input, items) {
      if (document.activeElement !== input) return;
      suggestions.innerHTML = '';
      if (!items.length) { hideSuggestions(); return; }
      items.forEach(function (item, i) {
        var li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.textContent = item.code + '  ' + (item.full_name || item.name);
        li.addEventListener('mousedown', function (event) { event.preventDefault(); choose(i); });
        suggestions.appendChild(li);
      });
      var rect = input.getBoundingClientRect();
      suggestions.style.left = (rect.left + window.scrollX) + 'px';
      suggestions.style.top = (rect.bottom + window.scrollY) + 'px';
      suggestions.style.minWidth = Math.max(rect.width, 280) + 'px';
      suggestions.hidden = false;
      active = { input: input, items: items, index: 0 };
      highlight();
    }
    function highlight() {
      Array.prototype.forEach.call(suggestions.children, function (li, i) {
        li.classList.toggle('active', active && i === active.index);
        if (active && i === active.index) li.scrollIntoView({ block: 'nearest' });
      });
    }
    function choose(index) {
      if (!active) return;
      var item = active.items[index];
      var input = active.input;
      input.value = item.code;
      hideSuggestions();
      setAccountInfo(rowOf(input), item, null);
      ensureTrailingBlank();
      moveNext(input);
    }
    function onAccountInput(input) {
      clearTimeout(searchTimer);
      var q = input.value.trim();
      if (!q) { hideSuggestions(); setAccountInfo(rowOf(input), null); return; }
      searchTimer = setTimeout(function () {
        searchAccounts(q.normalize ? q.normalize('NFKC') : q).then(function (items) {
          if (input.value.trim() === q) showSuggestions(input, items);
        });
      }, 120);
    }

    // ---- dimension code lists for the chosen institution; each cell shows the name of its code
    var dimensionNames = {}; // dimension -> code -> name
    var itemList = document.getElementById('dl-cash_flow_item');
    if (itemList) {
      dimensionNames.cash_flow_item = {};
      Array.prototype.forEach.call(itemList.options, function (option) {
        dimensionNames.cash_flow_item[option.value] = option.textContent;
      });
    }
    function showDimensionName(input) {
      var dim = input.getAttribute('data-col');
      var label = input.parentNode.querySelector('.dim-name');
      if (!label) return;
      var code = input.value.trim();
      if (code.normalize) code = code.normalize('NFKC');
      var names = dimensionNames[dim] || {};
      label.textContent = code ? (names[code] || '') : '';
      label.classList.toggle('warning', !!code && !!dimensionNames[dim] && !names[code]);
      if (code && dimensionNames[dim] && !names[code]) label.textContent = '编码不存在';
    }
    function showDimensionNames() {
      rows().forEach(function (row) {
        NAMED.forEach(function (dim) { showDimensionName(cell(row, dim)); });
      });
    }
    function loadDimensions() {
      if (!institution()) return;
      fetchJson(dimensionsUrl + '?institution=' + encodeURIComponent(institution())).then(function (data) {
        DIMENSIONS.forEach(function (dim) {
          var list = document.getElementById('dl-' + dim);
          list.innerHTML = '';
          dimensionNames[dim] = {};
          (data[dim] || []).forEach(function (entry) {
            dimensionNames[dim][entry.code] = entry.name;
            var option = document.createElement('option');
            option.value = entry.code;
            option.label = entry.code + ' ' + entry.name;
            option.textContent = entry.name;
            list.appendChild(option);
          });
        });
        showDimensionNames();
      });
    }

    // ---- events
    form.addEventListener('input', function (event) {
      var input = event.target;
      if (!input.closest || !input.closest('tr.line')) return;
      var col = input.getAttribute('data-col');
      if (col === 'account') onAccountInput(input);
      if (col === 'debit' || col === 'credit') recalc();
      if (NAMED.indexOf(col) >= 0) showDimensionName(input);
      ensureTrailingBlank();
    });
    form.addEventListener('change', function (event) {
      var input = event.target;
      var col = input.getAttribute && input.getAttribute('data-col');
      if (col === 'account') resolveAccount(rowOf(input));
      if (col === 'debit' || col === 'credit') { tidyAmount(input); recalc(); }
    });
    form.addEventListener('focusout', function (event) {
      if (active && event.target === active.input) setTimeout(hideSuggestions, 150);
    });
    form.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('.remove-line');
      if (button) removeRow(button.closest('tr.line'));
    });
    if (institutionSelect) {
      institutionSelect.addEventListener('change', function () {
        cache = {};
        loadDimensions();
        rows().forEach(resolveAccount);
      });
    }

    function submitWith(buttonId) {
      var button = document.getElementById(buttonId) || document.getElementById('save');
      if (form.requestSubmit) form.requestSubmit(button); else button.click();
    }
    form.addEventListener('submit', function (event) {
      if (submitting) { event.preventDefault(); return; }
      submitting = true; // one voucher per press, even on a double Enter
    });

    form.addEventListener('keydown', function (event) {
      var target = event.target;
      var key = event.key;
      if ((event.ctrlKey || event.metaKey) && (key === 's' || key === 'S')) {
        event.preventDefault(); submitWith('save'); return;
      }
      if ((event.ctrlKey || event.metaKey) && key === 'Enter') {
        event.preventDefault(); submitWith('save-new'); return;
      }
      var inGrid = target.closest && target.closest('tr.line');
      if (!inGrid) {
        if (key === 'Enter' && target.hasAttribute && target.hasAttribute('data-head')) {
          event.preventDefault();
          var i = heads.indexOf(target);
          if (i < heads.length - 1) focusCell(heads[i + 1]);
          else focusCell(cell(rows()[0], 'account'));
        }
        return;
      }
      var col = target.getAttribute('data-col');
      if (active && active.input === target) {
        if (key === 'ArrowDown') { event.preventDefault(); active.index = Math.min(active.index + 1, active.items.length - 1); highlight(); return; }
        if (key === 'ArrowUp') { event.preventDefault(); active.index = Math.max(active.index - 1, 0); highlight(); return; }
        if (key === 'Enter' || key === 'Tab') {
          var typed = target.value.trim();
          var exact = active.items.filter(function (item) { return item.code === typed; })[0];
          if (key === 'Tab' && exact) { hideSuggestions(); return; }
          event.preventDefault();
          choose(exact ? active.items.indexOf(exact) : active.index);
          return;
        }
        if (key === 'Escape') { event.preventDefault(); hideSuggestions(); return; }
      }
      if ((event.ctrlKey || event.metaKey) && key === 'Delete') {
        event.preventDefault(); removeRow(inGrid); return;
      }
      if (key === '=' && (col === 'debit' || col === 'credit')) {
        event.preventDefault(); fillBalance(target); return;
      }
      if (key === 'Enter') {
        event.preventDefault();
        if (col === 'debit' || col === 'credit') { tidyAmount(target); recalc(); }
        if (col === 'account') resolveAccount(inGrid);
        if (event.shiftKey) movePrev(target); else moveNext(target);
        return;
      }
      if (key === 'ArrowDown' || key === 'ArrowUp') {
        if (col === 'department' || col === 'partner' || col === 'funding_source' || col === 'project' ||
            col === 'employee') return; // the datalist uses the arrows
        event.preventDefault();
        moveVertical(target, key === 'ArrowDown' ? 1 : -1);
      }
    });

    // ---- start
    ensureTrailingBlank();
    recalc();
    loadDimensions();
    rows().forEach(function (row) { if (cell(row, 'account').value.trim()) resolveAccount(row); });
    var firstError = form.querySelector('[aria-invalid="true"]');
    var memo = form.querySelector('input[name="memo"]');
    if (firstError) focusCell(firstError);
    else if (memo && !memo.value) memo.focus(); // a new voucher: institution and date are preset
    else if (!cell(rows()[0], 'account').value) focusCell(cell(rows()[0], 'account'));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
