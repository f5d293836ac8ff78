"""Full-text search over posts with facets: the page /search and the API's /api/v1/search."""
