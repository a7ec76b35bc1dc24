// The config store and its sources.
export { ConfigStore, StoreErrorCode, type StoreEvent, type StoreEventType, type StoreListener } from "./config-store.js";
export { DirectorySource, type DirectorySourceOptions, type FileDiagnostics, type TextDecoderFn } from "./directory-source.js";
export { matchesSelector, selectorString, type LabelSelector, type LabelSelectorRequirement, type SelectorOperator } from "./label-selector.js";
