/** Schemas of the web view's routes (documented in openapi.yaml like every route). */

const nodeStatus = {
  type: 'object',
  properties: {
    node_id: { type: 'string' },
    role: { type: 'string' },
    term: { type: 'integer' },
    leader: { type: ['string', 'null'] },
    commit_index: { type: 'integer' },
    applied_index: { type: 'integer' },
    peers: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, match_index: { type: ['integer', 'null'] } } } },
  },
} as const;

export const webPageSchema = {
  tags: ['web'],
  summary: 'The web view: live prices, candle chart, trade form, recent orders, cluster panel',
  response: { 200: { type: 'string', description: 'text/html' } },
} as const;

export const webAssetSchema = {
  tags: ['web'],
  summary: 'A file of the web view (ES module, CSS) or the chart library',
  response: { 200: { type: 'string', description: 'the file' } },
} as const;

export const webConfigSchema = {
  tags: ['web'],
  summary: 'What the web view needs to start: this node and the assets of its price table',
  response: {
    200: {
      type: 'object',
      required: ['node_id', 'hot_assets'],
      properties: { node_id: { type: 'string' }, hot_assets: { type: 'array', items: { type: 'string' } } },
    },
  },
} as const;

export const clusterNodesSchema = {
  tags: ['operations'],
  summary: "Every member's Raft status as that member reports it, and whether this node reaches it",
  response: {
    200: {
      type: 'object',
      required: ['self', 'leader', 'reachable', 'quorum', 'nodes'],
      properties: {
        self: { type: 'string' },
        leader: { type: ['string', 'null'], description: "this node's view of the leader" },
        reachable: { type: 'integer', description: 'members answering, this node included' },
        quorum: { type: 'integer', description: 'majority of the members' },
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'link'],
            properties: {
              id: { type: 'string' },
              url: { type: ['string', 'null'] },
              link: { type: 'string', enum: ['self', 'up', 'down', 'unknown'] },
              status: { anyOf: [nodeStatus, { type: 'null' }] },
              error: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
  },
} as const;
