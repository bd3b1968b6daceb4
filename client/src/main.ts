import { mount } from 'svelte';
import App from './App.svelte';
import { i18n } from './i18n/i18n.svelte';
import './styles.css';

document.documentElement.lang = i18n.locale;
mount(App, { target: document.getElementById('app')! });
