export const PRODUCT_NAME = 'MCP Gateway Registry';
