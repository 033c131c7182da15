export * from './read-or-create-secret-file.js';
