// The entry script: asks for the first page's data, then loads the UI while the hub answers.
import { preloadFirstPage } from './preload.ts';
import './styles.css';

preloadFirstPage();
void import('./mount.tsx');
