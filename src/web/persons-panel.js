// Persons: the faces the face index grouped (clustered) into persons, named here with NamePerson
// so that face results and person-name searches carry the name, merged when clustering split one
// person (MergePersons) and split when it joined two (SplitPerson, by MediaId) — mediasearch
// extension actions.
import { $, h } from './dom.js';
import { onLanguageChange, t } from './i18n.js';
import { renderPager } from './search-panel.js';

const PAGE_SIZE = 24;

export function initPersons(app) {
  const list = $('#persons-list');
  const summary = $('#persons-summary');
  let pageNo = 1;
  let last = null;
  let unavailable = false;
  // Ids ticked for merging, in the order ticked: the first one keeps its id (and name).
  const selected = [];
  const mergeButton = $('#persons-merge');
  const updateMerge = () => {
    mergeButton.disabled = selected.length < 2;
  };

  async function load(page = pageNo) {
    try {
      const body = await app.call('ListPersons', { Named: $('#persons-filter').value, PageNo: page, PageSize: PAGE_SIZE });
      pageNo = page;
      last = body;
      unavailable = false;
      render();
    } catch (error) {
      if (app.isUnknownAction(error)) {
        unavailable = true;
        last = null;
        render();
      } else {
        app.showError(error);
      }
    }
  }

  function render() {
    if (unavailable) {
      summary.textContent = t('featureUnavailable', { action: 'ListPersons' });
      list.replaceChildren();
      $('#persons-pager').replaceChildren();
      return;
    }
    if (!last) return;
    selected.length = 0;
    updateMerge();
    const persons = last.Persons ?? [];
    summary.textContent = t('personsSummary', { total: last.Total ?? persons.length });
    list.replaceChildren(...(persons.length === 0 ? [h('p', { class: 'muted' }, t('personsNone'))] : persons.map(card)));
    renderPager($('#persons-pager'), pageNo, Math.ceil((last.Total ?? 0) / PAGE_SIZE), load);
  }

  function card(person) {
    const input = h('input', { type: 'text', value: person.Name ?? '', placeholder: t('namePlaceholder'), 'aria-label': t('namePlaceholder'), maxlength: 64 });
    const state = h('span', { class: 'muted small', role: 'status' });
    const form = h(
      'form',
      {
        class: 'name-form',
        onsubmit: async (event) => {
          event.preventDefault();
          const name = input.value.trim();
          if (!name) return;
          try {
            await app.call('NamePerson', { PersonId: person.PersonId, Name: name });
            state.textContent = t('saved');
            person.Name = name;
            article.dataset.named = 'true';
            title.textContent = name;
          } catch (error) {
            state.textContent = '';
            app.showError(error);
          }
        },
      },
      input,
      h('button', { type: 'submit', class: 'primary' }, t('save')),
      state,
    );
    const title = h('span', { class: 'title' }, person.Name || t('unnamedPerson'));
    const pick = h('input', {
      type: 'checkbox',
      class: 'person-pick',
      'aria-label': t('selectPerson'),
      title: t('selectPerson'),
      onchange: () => {
        const at = selected.indexOf(person.PersonId);
        if (pick.checked && at < 0) selected.push(person.PersonId);
        if (!pick.checked && at >= 0) selected.splice(at, 1);
        updateMerge();
      },
    });
    const splitInput = h('input', { type: 'text', placeholder: t('splitPlaceholder'), 'aria-label': t('splitPlaceholder') });
    const splitForm = h(
      'form',
      {
        class: 'name-form split-form',
        hidden: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const mediaIds = splitInput.value.split(',').map((id) => id.trim()).filter(Boolean);
          if (mediaIds.length === 0) return;
          try {
            await app.call('SplitPerson', { PersonId: person.PersonId, MediaIds: mediaIds.join(',') });
            state.textContent = t('splitDone');
            await load();
          } catch (error) {
            app.showError(error);
          }
        },
      },
      splitInput,
      h('button', { type: 'submit' }, t('splitSubmit')),
    );
    const splitToggle = h('button', { type: 'button', class: 'ghost small', onclick: () => (splitForm.hidden = !splitForm.hidden) }, t('split'));
    const hint = person.RecognizedName && !person.Name ? h('span', { class: 'muted small' }, t('looksLike', { name: person.RecognizedName })) : null;
    const article = h(
      'article',
      { class: 'card person', dataset: { personId: person.PersonId, named: String(Boolean(person.Name)), mediaCount: person.MediaCount ?? 0 } },
      h('span', { class: 'thumb face' }, person.FaceUrl ? h('img', { src: person.FaceUrl, alt: '', loading: 'lazy' }) : null, pick),
      h(
        'span',
        { class: 'meta' },
        title,
        hint,
        h('span', { class: 'muted small' }, t('personStats', { tracks: person.TrackCount ?? 0, media: person.MediaCount ?? 0 })),
        form,
        splitToggle,
        splitForm,
      ),
    );
    return article;
  }

  mergeButton.addEventListener('click', async () => {
    if (selected.length < 2) return;
    try {
      await app.call('MergePersons', { PersonIds: selected.join(',') });
      summary.textContent = t('merged');
      await load();
    } catch (error) {
      app.showError(error);
    }
  });
  $('#persons-filter').addEventListener('change', () => load(1));
  $('#persons-refresh').addEventListener('click', () => load());
  app.onLibraryChange(() => {
    last = null;
    list.replaceChildren();
    if (app.activeTab() === 'persons') load(1);
  });
  onLanguageChange(render);
  return { activate: () => load() };
}
