import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles/app.css';
import './styles/insight.css';
import { applyTheme, storedTheme } from './lib/theme.js';

applyTheme(storedTheme());

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
