--[[ publish's policy for a manuscript body, applied inside pandoc (a Lua filter).

pandoc's syntax tree still knows what the writer wrote and what pandoc made,
which the HTML no longer does, so the writer's attributes are checked here:

- the outline never skips a level: the first heading becomes an h2 (the
  title is the only h1) and each heading is at most one level below the
  one before it; a heading with no text is refused;
- ids must be XML names, may not start with "_" (the editions' own ids do,
  so the two never meet), and may not hold a colon;
- classes: a small set that means something in the editions (smallcaps,
  underline, mark on spans; unnumbered and unlisted on headings, which are
  accepted and dropped; one language on code, which becomes
  "language-NAME"); nothing else, so a writer can never borrow a class of
  the editions' own;
- attributes: lang and dir anywhere; width and height on images;
  startFrom on code blocks (dropped); nothing else.

Every refusal is logged as a warning, "publish<TAB>what<TAB>details", which
publish turns into a `path:line: message` at the writer's line.
]]

local function refuse(...)
  pandoc.log.warn(table.concat({ "publish", ... }, "\t"))
end

-- One heading level at a time, starting at h2. Headings never hold one
-- another, so the walk below meets them in the order they are written.
local open = {} -- the source levels of the headings still open

local function outline(h)
  while #open > 0 and open[#open] >= h.level do
    table.remove(open)
  end
  table.insert(open, h.level)
  h.level = math.min(#open + 1, 6)
end

local CLASSES = {
  Span = { smallcaps = true, underline = true, mark = true },
  Header = { unnumbered = false, unlisted = false }, -- accepted, then dropped
  Link = { uri = true, email = true }, -- pandoc's own, on autolinks
}
local DROPPED_CODE_CLASSES = { numberLines = true, ["number-lines"] = true }
local ATTRIBUTES = { lang = true, dir = true }
local IMAGE_ATTRIBUTES = { width = true, height = true }
local LANGUAGE_NAME = "^[%w_+#-][%w_+#.-]*$"
local BCP47 = "^%a%a%a?%a?%a?%a?%a?%a?$" -- the primary subtag; the rest below
local DIRECTIONS = { ltr = true, rtl = true, auto = true }

local function valid_language(tag)
  local first = true
  for part in (tag .. "-"):gmatch("([^-]*)-") do
    if first then
      if not part:match(BCP47) or #part > 8 then
        return false
      end
      first = false
    elseif not part:match("^%w+$") or #part > 8 then
      return false
    end
  end
  return not first
end

-- An XML name (NCName) in the ASCII range, or any letters beyond it: what
-- EPUB's XHTML accepts as an id.
local function valid_id(id)
  if id:find(":", 1, true) then
    return false
  end
  local first = id:sub(1, 1)
  if not (first:match("%a") or first:byte() >= 128) then
    return false
  end
  return not id:find("[^%w_.%-\128-\255]")
end

local function check_id(el, kind)
  local id = el.identifier
  if id == "" then
    return
  end
  if id:sub(1, 1) == "_" then
    refuse("id-reserved", kind, id)
  elseif not valid_id(id) then
    refuse("id-invalid", kind, id)
  end
end

local function check_attributes(el, kind)
  local kept = {}
  for _, pair in ipairs(el.attributes) do
    local key, value = pair[1], pair[2]
    if key == "lang" then
      if not valid_language(value) then
        refuse("lang", kind, value)
      end
      table.insert(kept, pair)
    elseif key == "dir" then
      if not DIRECTIONS[value] then
        refuse("dir", kind, value)
      end
      table.insert(kept, pair)
    elseif kind == "Image" and IMAGE_ATTRIBUTES[key] then
      table.insert(kept, pair)
    elseif kind == "CodeBlock" and key == "startFrom" then
      -- line numbers are not shown; the attribute is dropped
    elseif ATTRIBUTES[key] then
      table.insert(kept, pair)
    else
      refuse("attribute", kind, key, value)
    end
  end
  el.attributes = kept
end

local function check_classes(el, kind)
  local allowed = CLASSES[kind] or {}
  local kept = {}
  for _, class in ipairs(el.classes) do
    if allowed[class] then
      table.insert(kept, class)
    elseif allowed[class] == nil then
      refuse("class", kind, class)
    end
  end
  el.classes = kept
end

local function check_code(el, kind)
  local language = nil
  for _, class in ipairs(el.classes) do
    if DROPPED_CODE_CLASSES[class] then
      -- line numbers are not shown
    elseif language == nil and class:match(LANGUAGE_NAME) then
      language = class
    elseif language == nil then
      refuse("language", kind, class)
    else
      refuse("class", kind, class)
    end
  end
  el.classes = language and { "language-" .. language } or {}
end

local function checked(kind, classes)
  return function(el)
    check_id(el, kind)
    check_attributes(el, kind)
    classes(el, kind)
    return el
  end
end

-- Raw markup never reaches the editions: the reader is told to keep it as
-- text, and anything raw that still arrives is shown as code.
local function raw_as_text(el)
  if el.t == "RawBlock" then
    return pandoc.CodeBlock(el.text)
  end
  return pandoc.Code(el.text)
end

local function check_heading(el, kind)
  if #el.content == 0 then
    refuse("empty-heading", kind)
  end
  check_classes(el, kind)
  outline(el)
end

local checks = {
  Code = checked("Code", check_code),
  CodeBlock = checked("CodeBlock", check_code),
  Header = checked("Header", check_heading),
  Span = checked("Span", check_classes),
  Div = checked("Div", check_classes),
  Link = checked("Link", check_classes),
  Image = checked("Image", check_classes),
  Table = checked("Table", check_classes),
  Figure = checked("Figure", check_classes),
  RawBlock = raw_as_text,
  RawInline = raw_as_text,
}

-- One walk over the document: each walk costs a copy of it into Lua and back.
function Pandoc(doc)
  open = {}
  return doc:walk(checks)
end
