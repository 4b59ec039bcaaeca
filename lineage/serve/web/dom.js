// Tiny DOM helpers: elements are built from text nodes, never from HTML
// strings, so ledger data cannot inject markup.

const SVG = 'http://www.w3.org/2000/svg';

// h builds an element: h('a', {href: '#/'}, 'text', child, ...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// s builds an SVG element.
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function badge(text, cls) {
  return h('span', { class: 'badge ' + (cls || text) }, text);
}

export function num(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '';
}
