// Persons: the faces the face index grouped (clustered) into persons, named here with NamePerson
// so that face results and person-name searches carry the name (mediasearch extension actions
// ListPersons and NamePerson).
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
    const article = h(
      'article',
      { class: 'card person', dataset: { personId: person.PersonId, named: String(Boolean(person.Name)), mediaCount: person.MediaCount ?? 0 } },
      h('span', { class: 'thumb face' }, person.FaceUrl ? h('img', { src: person.FaceUrl, alt: '', loading: 'lazy' }) : null),
      h(
        'span',
        { class: 'meta' },
        title,
        h('span', { class: 'muted small' }, t('personStats', { tracks: person.TrackCount ?? 0, media: person.MediaCount ?? 0 })),
        form,
      ),
    );
    return article;
  }

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
