export * from './adopt-service.js';
