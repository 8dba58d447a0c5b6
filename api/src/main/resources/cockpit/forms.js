// Provider and symbol pickers shared by the replay, export and signal forms.

import { providers, symbols } from './store.js';
import { fmtInt, selectedValues, setOptions, showError } from './util.js';

export const symbolText = (s) => `${s.symbol} (${fmtInt(s.ticks)} ticks)`;

/**
 * Fills `providerSelect` from GET /v1/providers and `symbolSelect` from GET /v1/symbols for the chosen
 * provider (and again whenever it changes). `searchInput`, when given, hides the symbols that do not
 * match. `onChange({provider, symbols, selected})` runs after each change of provider or selection,
 * with the provider's row, its symbols' rows and the selected ones. `defaultSelection(rows)`, when
 * given, names the symbols a multiple select starts with while the person has chosen none. Returns
 * {reload, ready, choose}: `ready` settles after the first load; `choose(provider, symbol)` selects
 * them as the page's defaults (after loading that provider's symbols).
 */
export function providerSymbolPicker({ providerSelect, symbolSelect, searchInput = null, errorEl, onChange = () => {}, defaultSelection = null }) {
  let providerRows = [];
  let symbolRows = [];
  let symbolsChosen = false; // the person changed the selection: defaults no longer apply

  const emit = () => {
    const chosen = new Set(selectedValues(symbolSelect));
    onChange({
      provider: providerRows.find((p) => p.provider === providerSelect.value) ?? null,
      symbols: symbolRows,
      selected: symbolRows.filter((s) => chosen.has(s.symbol)),
    });
  };

  const filter = () => {
    if (!searchInput) return;
    const needle = searchInput.value.trim().toLowerCase();
    for (const option of symbolSelect.options) {
      option.hidden = needle !== '' && !option.value.toLowerCase().includes(needle);
    }
  };

  async function loadSymbols() {
    const provider = providerSelect.value;
    try {
      const rows = await symbols(provider);
      if (providerSelect.value !== provider) return; // changed again meanwhile
      symbolRows = rows;
      setOptions(symbolSelect, rows.map((s) => ({ value: s.symbol, text: symbolText(s) })));
      if (!symbolSelect.multiple && !symbolSelect.value && rows.length) symbolSelect.value = rows[0].symbol;
      if (symbolSelect.multiple && defaultSelection && !symbolsChosen && symbolSelect.selectedOptions.length === 0) {
        const wanted = new Set(defaultSelection(rows));
        for (const option of symbolSelect.options) option.selected = wanted.has(option.value);
      }
      filter();
      emit();
    } catch (e) {
      showError(errorEl, e);
    }
  }

  async function reload() {
    try {
      providerRows = await providers();
      setOptions(providerSelect, providerRows.map((p) => ({ value: p.provider, text: p.provider })));
      if (!providerSelect.value && providerRows.length) providerSelect.value = providerRows[0].provider;
      showError(errorEl, null);
      await loadSymbols();
    } catch (e) {
      showError(errorEl, e);
    }
  }

  async function choose(provider, symbol) {
    if (!providerRows.some((p) => p.provider === provider)) return false;
    providerSelect.value = provider;
    await loadSymbols();
    if (providerSelect.value !== provider || !symbolRows.some((s) => s.symbol === symbol)) return false;
    symbolSelect.value = symbol;
    emit();
    return true;
  }

  providerSelect.addEventListener('change', loadSymbols);
  symbolSelect.addEventListener('change', () => {
    symbolsChosen = true;
    emit();
  });
  searchInput?.addEventListener('input', filter);
  const ready = reload();
  return { reload, ready, choose };
}
