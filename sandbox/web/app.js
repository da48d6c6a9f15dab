// 连心桥 demo page: one chat panel per persona, live through the /_sim control API.
// The bot's text is never inserted as HTML: it is rebuilt from the entities the server stored,
// as text nodes inside a few known elements.
"use strict";

const DEMO_LOCATION = { latitude: 34.3962, longitude: 113.7405 };  // 新郑市, where the demo district lies
const panels = new Map();  // chat id -> panel
let seq = 0;               // the change counter of /_sim/events seen so far

// -- talking to the server -----------------------------------------------------------

async function call(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON: an unknown route */ }
  if (!response.ok || !body || body.ok === false) {
    const error = new Error((body && (body.error || body.description)) || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function postJSON(path, data) {
  return call(path, { method: "POST", headers: { "Content-Type": "application/json" },
                      body: JSON.stringify(data) });
}

// -- formatted text from entities ------------------------------------------------------

const SAFE_LINK = /^(https?:|mailto:|tel:|tg:)/i;

function entityElement(entity, text) {
  const make = (tag, cls) => { const el = document.createElement(tag); if (cls) el.className = cls; return el; };
  switch (entity.type) {
    case "bold": return make("strong");
    case "italic": return make("em");
    case "underline": return make("u");
    case "strikethrough": return make("s");
    case "spoiler": return make("span", "spoiler");
    case "code": return make("code");
    case "pre": return make("pre");
    case "blockquote": case "expandable_blockquote": return make("blockquote");
    case "text_link": case "url": case "email": case "phone_number": {
      const href = entity.type === "text_link" ? entity.url : entity.type === "url" ? text
        : entity.type === "email" ? `mailto:${text}` : `tel:${text}`;
      const link = make("a");
      if (href && SAFE_LINK.test(href)) { link.href = href; link.target = "_blank"; link.rel = "noopener"; }
      return link;
    }
    default: return make("span", entity.type);
  }
}

// Offsets are UTF-16 code units, as JavaScript strings count them.
function formatted(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  let next = 0;
  function fill(parent, start, end) {
    let at = start;
    while (next < sorted.length && sorted[next].offset < end) {
      const entity = sorted[next++];
      const from = Math.max(entity.offset, at);
      const to = Math.min(entity.offset + entity.length, end);
      if (to <= from) continue;
      if (from > at) parent.append(text.slice(at, from));
      const element = entityElement(entity, text.slice(entity.offset, entity.offset + entity.length));
      fill(element, from, to);
      parent.append(element);
      at = to;
    }
    if (at < end) parent.append(text.slice(at, end));
  }
  fill(fragment, 0, text.length);
  return fragment;
}

// -- one message ---------------------------------------------------------------------

function signature(message) {
  return JSON.stringify([message.text, message.caption, message.entities, message.caption_entities,
                         message.buttons, message.deleted, message.edit_date]);
}

function biggestPhoto(message) {
  return message.photo && message.photo[message.photo.length - 1];
}

function sizeText(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function attachment(kind, label, detail, href, fileName) {
  const box = document.createElement(href ? "a" : "div");
  box.className = `attachment ${kind}`;
  if (href) { box.href = href; box.download = fileName || ""; }
  const tag = document.createElement("span");
  tag.className = "kind";
  tag.textContent = label;
  const name = document.createElement("span");
  name.textContent = detail.main;
  box.append(tag, name);
  if (detail.small) { const small = document.createElement("small"); small.textContent = detail.small; box.append(small); }
  return box;
}

function renderMessage(panel, message) {
  const item = document.createElement("li");
  const mine = !message.from_bot && message.from && message.from.id === panel.actor;
  item.className = `msg ${message.from_bot ? "bot" : mine ? "me" : "other"}`;
  item.dataset.id = message.message_id;
  if (message.deleted) {
    item.classList.add("deleted");
    const gone = document.createElement("div");
    gone.className = "bubble";
    gone.textContent = "此消息已删除";
    item.append(gone);
    return item;
  }
  if (panel.persona.kind === "group" && !message.from_bot && message.from) {
    const sender = document.createElement("div");
    sender.className = "sender";
    sender.textContent = message.from.first_name;
    item.append(sender);
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const photo = biggestPhoto(message);
  if (photo) {
    const full = document.createElement("a");  // opens the picture at full size
    full.href = `/_sim/files/${encodeURIComponent(photo.file_id)}`;
    full.target = "_blank";
    const image = document.createElement("img");
    image.className = "photo";
    image.alt = "照片";
    image.src = full.href;
    image.addEventListener("load", () => { if (panel.follow) followNewest(panel); });  // it grew the chat
    full.append(image);
    bubble.append(full);
  }
  if (message.document) {
    const doc = message.document;
    const ext = (doc.file_name || "").split(".").pop().toUpperCase() || "文件";
    bubble.append(attachment("document", ext, { main: doc.file_name || "文件", small: sizeText(doc.file_size || 0) },
                             `/_sim/files/${encodeURIComponent(doc.file_id)}`, doc.file_name));
  }
  if (message.location) {
    const { latitude, longitude } = message.location;
    bubble.append(attachment("location", "位置", { main: `${latitude.toFixed(4)}, ${longitude.toFixed(4)}` }));
  }
  if (message.contact) {
    const { first_name: name, phone_number: phone } = message.contact;
    bubble.append(attachment("contact", "联系人", { main: name, small: phone }));
  }
  const text = message.text != null ? message.text : message.caption;
  if (text) bubble.append(formatted(text, message.text != null ? message.entities : message.caption_entities));
  if (!bubble.childNodes.length) bubble.textContent = "（不支持显示的消息）";
  item.append(bubble);
  if (message.buttons && message.buttons.length) item.append(inlineKeyboard(panel, message));
  if (message.edit_date) {
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = "已编辑";
    item.append(meta);
  }
  return item;
}

function inlineKeyboard(panel, message) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  const raw = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  raw.forEach((row) => {
    const line = document.createElement("div");
    line.className = "inline-row";
    row.forEach((button) => {
      let element;
      if (button.callback_data != null) {
        element = document.createElement("button");
        element.type = "button";
        element.addEventListener("click", () => act(panel, "press", {
          message_id: message.message_id, data: button.callback_data }));
      } else {
        element = document.createElement("a");  // a URL button opens its link
        if (button.url && SAFE_LINK.test(button.url)) { element.href = button.url; element.target = "_blank"; element.rel = "noopener"; }
      }
      element.textContent = button.text;
      line.append(element);
    });
    keyboard.append(line);
  });
  return keyboard;
}

// -- a panel per persona ---------------------------------------------------------------

function phoneOf(persona) {
  return persona.phone || `139${String(Math.abs(persona.id)).padStart(8, "0").slice(-8)}`;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text != null) el.textContent = text;
  return el;
}

function buildPanel(persona) {
  const group = persona.kind === "group";
  const panel = { persona, chatId: persona.id, actor: group ? persona.member : persona.id,
                  nodes: new Map(), busy: null, again: false, unseen: 0, follow: true };
  const root = element("section", `chat${group ? " group" : ""}`);
  root.dataset.chat = persona.id;
  root.setAttribute("aria-label", `${persona.role} ${persona.name}`);
  const head = element("header", "chat-head");
  const who = element("div");
  who.append(element("div", "role", persona.role), element("div", "name", persona.name));
  head.append(element("span", "avatar", (persona.name || "?").slice(0, 1)), who);
  const list = element("ol", "messages");
  list.setAttribute("aria-live", "polite");
  // Scrolled up to read older messages: stay there; at the bottom: follow what comes.
  list.addEventListener("scroll", () => {
    panel.follow = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  list.append(element("li", "hint", group ? "群里还没有消息。" : "还没有消息。发送 /start 开始。"));
  const keyboard = element("div", "reply-keyboard");
  keyboard.hidden = true;
  const form = element("form", "composer");
  const input = element("input");
  input.type = "text";
  input.name = "text";
  input.placeholder = group ? `以${persona.member_name || "群成员"}的身份发言…` : "输入消息…";
  input.autocomplete = "off";
  const send = element("button", "send", "发送");
  send.type = "submit";
  if (!group) {
    const file = element("input");
    file.type = "file";
    file.accept = "image/*";
    file.hidden = true;
    file.addEventListener("change", () => {
      if (file.files.length) sendPhoto(panel, file.files[0], input.value.trim());
      input.value = "";
      file.value = "";
    });
    const photo = element("button", "photo-button", "照片");
    photo.type = "button";
    photo.title = "发送照片";
    photo.addEventListener("click", () => file.click());
    const place = element("button", "location-button", "位置");
    place.type = "button";
    place.title = "发送当前位置";
    place.addEventListener("click", () => act(panel, "location", DEMO_LOCATION));
    form.append(file, photo, place);
  }
  form.append(input, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    act(panel, "send", { text });
  });
  root.append(head, list, keyboard, form);
  Object.assign(panel, { root, head, list, keyboard });
  return panel;
}

function buildTab(panel) {
  const tab = element("button", "persona-tab");
  tab.type = "button";
  tab.setAttribute("aria-pressed", "true");
  tab.dataset.chat = panel.persona.id;
  tab.append(element("span", null, panel.persona.role));
  const count = element("span", "count");
  count.hidden = true;
  tab.append(count);
  tab.addEventListener("click", () => {
    const show = tab.getAttribute("aria-pressed") !== "true";
    tab.setAttribute("aria-pressed", String(show));
    panel.root.hidden = !show;
    if (show) { panel.unseen = 0; count.hidden = true; panel.list.scrollTop = panel.list.scrollHeight; }
  });
  panel.tab = tab;
  panel.count = count;
  return tab;
}

function showToast(panel, text, isError) {
  const old = panel.root.querySelector(".toast");
  if (old) old.remove();
  const toast = element("div", `toast${isError ? " error" : ""}`, text);
  toast.setAttribute("role", "status");
  toast.addEventListener("animationend", () => toast.remove());
  panel.root.append(toast);
}

// -- actions ---------------------------------------------------------------------------

async function act(panel, action, body) {
  const data = panel.persona.kind === "group" ? { ...body, chat_id: panel.chatId } : body;
  panel.root.classList.add("busy");  // until the bot has answered and the answer is shown
  try {
    const outcome = await postJSON(`/_sim/users/${panel.actor}/${action}`, data);
    if (outcome.answer && outcome.answer.text) showToast(panel, outcome.answer.text, false);
    await refresh(panel);
  } catch (error) {
    showToast(panel, `未能发送：${error.message}`, true);
  } finally {
    panel.root.classList.remove("busy");
  }
}

async function sendPhoto(panel, file, caption) {
  const form = new FormData();
  form.append("photo", file, file.name);
  if (caption) form.append("caption", caption);
  panel.root.classList.add("busy");
  try {
    await call(`/_sim/users/${panel.actor}/photo`, { method: "POST", body: form });
    await refresh(panel);
  } catch (error) {
    showToast(panel, `照片未能发送：${error.message}`, true);
  } finally {
    panel.root.classList.remove("busy");
  }
}

function replyButton(panel, button) {
  const key = element("button", null, button.text);
  key.type = "button";
  key.addEventListener("click", () => {
    if (button.request_contact) act(panel, "contact", { phone_number: phoneOf(panel.persona) });
    else if (button.request_location) act(panel, "location", DEMO_LOCATION);
    else act(panel, "send", { text: button.text });
  });
  return key;
}

// -- showing a chat ----------------------------------------------------------------------

function refresh(panel) {
  if (panel.busy) { panel.again = true; return panel.busy; }
  panel.busy = (async () => {
    try {
      do { panel.again = false; await load(panel); } while (panel.again);
    } finally {
      panel.busy = null;
    }
  })();
  return panel.busy;
}

async function load(panel) {
  let chat;
  try {
    chat = await call(`/_sim/chats/${panel.chatId}/messages`);
  } catch (error) {
    if (error.status === 404) return;  // nobody has written here yet
    throw error;
  }
  const list = panel.list;
  let arrived = 0;
  for (const message of chat.messages) {
    const sig = signature(message);
    const known = panel.nodes.get(message.message_id);
    if (known && known.sig === sig) continue;
    const node = renderMessage(panel, message);
    if (known) known.node.replaceWith(node);
    else { list.append(node); if (message.from_bot) arrived += 1; }
    panel.nodes.set(message.message_id, { node, sig });
  }
  if (panel.nodes.size) { const hint = list.querySelector(".hint"); if (hint) hint.remove(); }
  showKeyboard(panel, chat.keyboard_markup);
  if (panel.follow || arrived) followNewest(panel);
  if (arrived && panel.loaded) noticeArrivals(panel, arrived);  // the first load is history, not news
  panel.loaded = true;
}

function followNewest(panel) {
  panel.list.scrollTop = panel.list.scrollHeight;
  panel.follow = true;
}

function showKeyboard(panel, markup) {
  const rows = (markup && markup.keyboard) || [];
  panel.keyboard.replaceChildren(...rows.map((row) => {
    const line = element("div", "row");
    line.append(...row.map((button) => replyButton(panel, typeof button === "string" ? { text: button } : button)));
    return line;
  }));
  panel.keyboard.hidden = rows.length === 0;
}

function noticeArrivals(panel, arrived) {
  panel.head.classList.remove("fresh");
  void panel.head.offsetWidth;  // restart the highlight
  panel.head.classList.add("fresh");
  if (panel.root.hidden) {
    panel.unseen += arrived;
    panel.count.textContent = String(panel.unseen);
    panel.count.hidden = false;
  }
}

// -- live updates: a long poll on /_sim/events ------------------------------------------------

async function watch() {
  const offline = document.getElementById("offline");
  for (;;) {
    try {
      const news = await call(`/_sim/events?since=${seq}&timeout=25`);
      offline.hidden = true;
      const chats = news.chats === null ? [...panels.keys()] : news.chats.filter((id) => panels.has(id));
      seq = news.seq;
      await Promise.all(chats.map((id) => refresh(panels.get(id))));
    } catch (error) {
      offline.hidden = false;
      await new Promise((resolve) => setTimeout(resolve, 2000));  // the demo restarts: try again
    }
  }
}

// -- the demo clock ----------------------------------------------------------------------

const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

function clockText(iso) {
  const found = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!found) return iso || "—";
  const [, y, m, d, hh, mm] = found;
  const weekday = WEEKDAYS[new Date(Date.UTC(+y, +m - 1, +d)).getUTCDay()];
  return `${y}年${+m}月${+d}日 ${weekday} ${hh}:${mm}`;
}

async function setupClock() {
  const now = document.getElementById("clock-now");
  const note = document.getElementById("clock-note");
  const buttons = [...document.querySelectorAll("[data-advance]")];
  let clock;
  try {
    clock = await call("/_sim/clock");
  } catch (_) {
    note.textContent = "时间控制未启用：这个服务器没有演示时钟。";
    return;
  }
  now.textContent = clockText(clock.now);
  if (!clock.movable) { note.textContent = "这里用的是真实时间，不能拨动。"; return; }
  buttons.forEach((button) => {
    button.disabled = false;
    button.addEventListener("click", async () => {
      buttons.forEach((b) => { b.disabled = true; });
      note.textContent = `时间推进中（${button.textContent}），到期的提醒和通报正在发出…`;
      try {
        const moved = await postJSON("/_sim/clock", { advance: button.dataset.advance });
        now.textContent = clockText(moved.now);
        note.textContent = `已推进到 ${clockText(moved.now)}`;
      } catch (error) {
        note.textContent = `未能推进时间：${error.message}`;
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  });
}

// -- start -------------------------------------------------------------------------------

// The person exists under their name before their first message (a shared contact carries it).
function introduce(persona) {
  return postJSON("/_sim/users", { id: persona.id, first_name: persona.name }).catch(() => null);
}

async function start() {
  const { personas } = await call("/_sim/personas");
  seq = (await call("/_sim/events")).seq;  // changes after this are watched; what is there now is read below
  const tabs = document.getElementById("persona-tabs");
  const chats = document.getElementById("chats");
  document.getElementById("empty-page").hidden = personas.length > 0;
  const members = new Map(personas.map((p) => [p.id, p.name]));
  for (const persona of personas) {
    if (persona.kind === "group") persona.member_name = members.get(persona.member);
    const panel = buildPanel(persona);
    panels.set(persona.id, panel);
    chats.append(panel.root);
    tabs.append(buildTab(panel));
  }
  setupClock();
  await Promise.all(personas.filter((p) => p.kind !== "group").map(introduce));
  await Promise.all([...panels.values()].map(refresh));
  document.body.dataset.ready = "true";
  watch();
}

start().catch((error) => {
  const page = document.getElementById("empty-page");
  page.textContent = `页面未能加载：${error.message}`;
  page.hidden = false;
});
