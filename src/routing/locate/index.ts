/** Administrative-area locator for routing: which 2025 commune/ward a report belongs to. */
export { AreaLocator } from './locator';
export type { AdminUnitRow, AreaLocatorOptions, ForProvinceOptions, LocateInput, LocateResult, LocateVia } from './locator';
export { AddressMatcher, MIN_MATCH_CONFIDENCE, tokenize } from './address-matcher';
export type { AddressAlias, AddressMatch, AddressMatcherInput, AddressMatchVia, CommuneUnit } from './address-matcher';
export { BoundaryIndex, geometryBBox, isAreaGeometry, pointInGeometry } from './point-in-area';
export type { AreaBoundary, AreaGeometry, BBox, MultiPolygonGeometry, PolygonGeometry, Ring } from './point-in-area';
export { oldNameMappingsFor } from './old-names';
export type { CurrentUnitRef, OldNameMapping } from './old-names';
export { adminUnitRowsFromFiles, HUNG_YEN_COMMUNES_FILE, UNITS_34_FILE, VN_ADMIN_DIR } from './data-files';
