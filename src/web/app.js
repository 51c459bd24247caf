// The page's shell: server configuration, sign-in, the library picker, tabs, errors. The panels
// (search, faces, media, persons) get the `app` object below and nothing else.
import { ApiCallError, authRequired, clearCredentials, credentials, defaultLibrary, loadServerConfig, rpc, setCredentials, upload } from './api.js';
import { $, $$, h } from './dom.js';
import { initFaces } from './faces-panel.js';
import { applyTranslations, language, setLanguage, t } from './i18n.js';
import { initMedia } from './media-panel.js';
import { initPersons } from './persons-panel.js';
import { createPlayer } from './player.js';
import { initSearch } from './search-panel.js';

const LIBRARY_KEY = 'mediasearch.library';
const TABS = ['search', 'faces', 'media', 'persons'];

const libraryChangeListeners = [];
const panels = {};
let pendingSignIn = null;

const app = {
  library: '',
  player: createPlayer(),

  /** rpc() for the current library; asks for keys again when the server refuses the stored ones. */
  async call(action, params = {}) {
    try {
      return await rpc(action, { SearchLibName: app.library || undefined, ...params });
    } catch (error) {
      if (error instanceof ApiCallError && error.isAuthError && authRequired()) {
        clearCredentials();
        await signIn(app.errorText(error));
        return rpc(action, { SearchLibName: app.library || undefined, ...params });
      }
      throw error;
    }
  },

  /** POST /upload, with the same sign-in retry as call(). */
  async upload(file, onProgress) {
    try {
      return await upload(file, onProgress);
    } catch (error) {
      if (error instanceof ApiCallError && error.isAuthError && authRequired()) {
        clearCredentials();
        await signIn(app.errorText(error));
        return upload(file, onProgress);
      }
      throw error;
    }
  },

  errorText(error) {
    if (!(error instanceof ApiCallError)) return String(error?.message ?? error);
    switch (error.code) {
      case 'NetworkError':
        return `${t('errorNetwork')} (${error.message})`;
      case 'FaceNotFound':
        return t('errorFaceNotFound');
      case 'MultipleFacesFound':
        return t('errorMultipleFaces');
      case 'FaceQualityTooLow':
        return t('errorFaceQuality');
      case 'ImageUnreadable':
        return t('errorImageUnreadable');
      default:
        return `${error.code}: ${error.message}`;
    }
  },

  /** True for the answer of a server that lacks an action (an older server, or one not yet built). */
  isUnknownAction: (error) => error instanceof ApiCallError && error.code === 'InvalidAction',

  showError(error) {
    const toast = $('#toast');
    toast.textContent = app.errorText(error);
    toast.hidden = false;
    clearTimeout(app.toastTimer);
    app.toastTimer = setTimeout(() => (toast.hidden = true), 8000);
  },

  onLibraryChange(listener) {
    libraryChangeListeners.push(listener);
  },

  activeTab: () => (TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'search'),
};

/** Shows the sign-in dialog until a key pair works; resolves then. */
function signIn(message = '') {
  if (pendingSignIn) return pendingSignIn;
  const dialog = $('#login');
  $('#login-error').textContent = message;
  pendingSignIn = new Promise((resolve) => {
    dialog.onsubmit = async (event) => {
      event.preventDefault();
      setCredentials($('#login-id').value.trim(), $('#login-secret').value);
      try {
        await rpc('ListSearchLib', { PageSize: 1 });
        $('#login-secret').value = '';
        dialog.close();
        $('#sign-out').hidden = false;
        pendingSignIn = null;
        resolve();
      } catch (error) {
        clearCredentials();
        $('#login-error').textContent = t('signInFailed', { message: app.errorText(error) });
      }
    };
  });
  if (!dialog.open) dialog.showModal();
  return pendingSignIn;
}

async function loadLibraries() {
  const names = [];
  for (let page = 1; ; page++) {
    const body = await app.call('ListSearchLib', { PageNo: page, PageSize: 50, SearchLibName: undefined });
    names.push(...(body.SearchLibInfoList ?? []).map((lib) => lib.SearchLibName));
    if (names.length >= (body.Total ?? 0) || (body.SearchLibInfoList ?? []).length === 0) break;
  }
  const stored = localStorage.getItem(LIBRARY_KEY);
  app.library = names.includes(stored) ? stored : names.includes(defaultLibrary()) ? defaultLibrary() : (names[0] ?? '');
  const select = $('#library');
  select.replaceChildren(...names.map((name) => h('option', { value: name, selected: name === app.library }, name)));
}

function showTab(name) {
  for (const tab of TABS) {
    $(`#tab-${tab}`).hidden = tab !== name;
    $(`#tab-button-${tab}`).setAttribute('aria-selected', String(tab === name));
  }
  panels[name]?.activate?.();
  for (const tab of TABS) if (tab !== name) panels[tab]?.deactivate?.();
}

async function main() {
  applyTranslations();
  $('#lang-toggle').addEventListener('click', () => setLanguage(language() === 'zh' ? 'en' : 'zh'));
  $('#sign-out').addEventListener('click', () => {
    clearCredentials();
    location.reload();
  });
  // Cancel (Esc) would leave the page without keys: the dialog stays until a pair works.
  $('#login').addEventListener('cancel', (event) => event.preventDefault());
  $('#toast').addEventListener('click', () => ($('#toast').hidden = true));

  try {
    await loadServerConfig();
  } catch (error) {
    app.showError(error);
    return;
  }
  if (authRequired()) {
    if (credentials()) $('#sign-out').hidden = false;
    else await signIn();
  }
  try {
    await loadLibraries();
  } catch (error) {
    app.showError(error);
  }
  $('#library').addEventListener('change', (event) => {
    app.library = event.target.value;
    localStorage.setItem(LIBRARY_KEY, app.library);
    for (const listener of libraryChangeListeners) listener(app.library);
  });

  panels.search = initSearch(app);
  panels.faces = initFaces(app);
  panels.media = initMedia(app);
  panels.persons = initPersons(app);

  for (const button of $$('[role=tab]')) {
    button.addEventListener('click', () => {
      location.hash = button.dataset.tab;
    });
  }
  window.addEventListener('hashchange', () => showTab(app.activeTab()));
  showTab(app.activeTab());
  document.body.dataset.ready = 'true';
}

main();
