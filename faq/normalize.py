"""Normalisation of informal Vietnamese chat text for FAQ matching.

``normalize()`` turns a raw message into two forms: ``accented`` (Unicode-clean, lower case,
Telex/VNI leftovers repaired, teencode and abbreviations expanded, fillers dropped) and
``folded`` (the same without diacritics, đ→d). Knowledge-base paraphrases go through the same
function, so both sides of the matcher always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# --------------------------------------------------------------------------- characters

# Tone order: 0 none, 1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng.
_TONED_VOWELS = {
    "a": "aáàảãạ",
    "ă": "ăắằẳẵặ",
    "â": "âấầẩẫậ",
    "e": "eéèẻẽẹ",
    "ê": "êếềểễệ",
    "i": "iíìỉĩị",
    "o": "oóòỏõọ",
    "ô": "ôốồổỗộ",
    "ơ": "ơớờởỡợ",
    "u": "uúùủũụ",
    "ư": "ưứừửữự",
    "y": "yýỳỷỹỵ",
}
# toned char -> (vowel with shape mark, tone)
_CHAR_TONE: dict[str, tuple[str, int]] = {
    form: (base, tone) for base, forms in _TONED_VOWELS.items() for tone, form in enumerate(forms)
}
_SHAPE_TO_PLAIN = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d"}
_FOLD_TABLE = str.maketrans(
    {ch: _SHAPE_TO_PLAIN.get(base, base) for ch, (base, _t) in _CHAR_TONE.items()} | {"đ": "d", "Đ": "D"}
)
_VOWELS = frozenset(_TONED_VOWELS)
_MARKED = frozenset("ăâêôơư")

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")
_NON_WORD = re.compile(r"[^\w]+|_")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_REPEAT3 = re.compile(r"([^\W\d_])\1{2,}")

# --------------------------------------------------------------------------- syllables

_ONSETS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)  # fmt: skip
_CODAS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
_STOP_CODAS = frozenset({"c", "ch", "p", "t"})
_NUCLEI_OPEN = frozenset(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu uơ "
    "iêu oai oay oeo uây uôi uya uyu ươi ươu yêu".split()
)
_NUCLEI_CLOSED = frozenset("ă â iê yê uô ươ uyê oă uâ oo".split())
_NUCLEI_ANY = frozenset("a e ê i o ô ơ u ư y oa oe uê uy".split())
_OO_WORDS = frozenset({"xoong", "boong", "soong", "coong", "moong", "loong", "goong"})
# The same sets without shape marks, to accept words typed without diacritics ("luu", "duoc").
_PLAIN_OPEN = frozenset(n.translate(str.maketrans("ăâêôơư", "aaeoou")) for n in _NUCLEI_OPEN)
_PLAIN_CLOSED = frozenset(n.translate(str.maketrans("ăâêôơư", "aaeoou")) for n in _NUCLEI_CLOSED)
_PLAIN_ANY = frozenset(n.translate(str.maketrans("ăâêôơư", "aaeoou")) for n in _NUCLEI_ANY)


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (đ→d); other combining marks are dropped too."""
    text = unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_tone(word: str) -> tuple[str, int] | None:
    """Return (word without tone mark, tone); None when it carries more than one tone."""
    tone = 0
    chars = []
    for ch in word:
        base, t = _CHAR_TONE.get(ch, (ch, 0))
        if t:
            if tone:
                return None
            tone = t
        chars.append(base)
    return "".join(chars), tone


def _parse(base: str) -> tuple[str, str, str] | None:
    """Split a tone-free syllable into (onset, nucleus, coda), or None if not Vietnamese."""
    onset = ""
    if base.startswith("qu") and len(base) > 2 and base[2] in _VOWELS:
        onset = "qu"
    elif base.startswith("gi") and len(base) > 2 and base[2] in _VOWELS:
        onset = "gi"
    else:
        onset = next((o for o in _ONSETS if base.startswith(o)), "")
    rest = base[len(onset) :]
    i = 0
    while i < len(rest) and rest[i] in _VOWELS:
        i += 1
    nucleus, coda = rest[:i], rest[i:]
    if not nucleus or coda not in _CODAS or not _nucleus_ok(nucleus, coda, base):
        return None
    if not _onset_ok(onset, nucleus):
        return None
    return onset, nucleus, coda


def _nucleus_ok(nucleus: str, coda: str, base: str) -> bool:
    if nucleus == "oo":
        return base in _OO_WORDS
    plain = base.isascii()
    if nucleus in _NUCLEI_ANY or (plain and nucleus in _PLAIN_ANY):
        return True
    if nucleus in _NUCLEI_OPEN or (plain and nucleus in _PLAIN_OPEN):
        return not coda
    closed = nucleus in _NUCLEI_CLOSED or (plain and nucleus in _PLAIN_CLOSED)
    return closed and bool(coda)


def _onset_ok(onset: str, nucleus: str) -> bool:
    front = nucleus[0] in "eêiy"
    if onset in ("k", "gh", "ngh"):
        return front
    if onset in ("c", "g", "ng"):
        return not front or (onset == "g" and nucleus[0] == "i")
    return True


def is_syllable(word: str) -> bool:
    """True when ``word`` (lower case, any tone placement) is a well-formed Vietnamese syllable."""
    split = split_tone(word)
    if split is None:
        return False
    base, tone = split
    parsed = _parse(base)
    if parsed is None:
        return False
    return not (parsed[2] in _STOP_CODAS and tone not in (0, 1, 5))


def _tone_index(nucleus: str, has_coda: bool) -> int:
    marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED]
    if marked:
        return marked[-1]
    if len(nucleus) == 1:
        return 0
    if len(nucleus) == 3:
        return 1
    return 1 if has_coda else 0


def place_tone(base: str, tone: int) -> str | None:
    """Write a tone-free syllable with its tone on the canonical vowel (hòa, thủy, úy)."""
    parsed = _parse(base)
    if parsed is None:
        return None
    onset, nucleus, coda = parsed
    if not tone:
        return base
    idx = _tone_index(nucleus, bool(coda))
    toned = _TONED_VOWELS[nucleus[idx]][tone]
    return onset + nucleus[:idx] + toned + nucleus[idx + 1 :] + coda


def canonical_tone(word: str) -> str:
    """Move a misplaced tone mark (hoà→hòa, thuỷ→thủy); other words are returned unchanged."""
    split = split_tone(word)
    if split is None or not split[1]:
        return word
    return place_tone(*split) or word


# --------------------------------------------------------------------------- IME leftovers

_TELEX_TONES = {"s": 1, "f": 2, "r": 3, "x": 4, "j": 5}
_TELEX_DOUBLE = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
_VNI_TONES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_VNI_MARKS = {"6": {"a": "â", "e": "ê", "o": "ô"}, "8": {"a": "ă"}, "7": {"o": "ơ", "u": "ư"}}
_ENGLISH = frozenset(
    "vneid otp app apps ok oke okay passcode pass pin sim sms wifi zalo email gmail test post "
    "best cost host most fast last list bus max fix six box sex mix tax fax gas sos yes plus "
    "ios hix hic face id icloud google chplay appstore facebook fb data boss kiss miss".split()
)  # fmt: skip


def _apply_horn(buf: list[str]) -> bool:
    """Telex 'w' / VNI '7': uo→ươ, else the last a/o/u gets its mark."""
    vowels = [i for i, ch in enumerate(buf) if ch in _VOWELS]
    for i in vowels:
        if buf[i] in "uư" and i + 1 < len(buf) and buf[i + 1] in "oơ":
            buf[i], buf[i + 1] = "ư", "ơ"
            return True
    for i in reversed(vowels):
        if buf[i] in _HORN:
            buf[i] = _HORN[buf[i]]
            return True
    return False


def _telex(token: str) -> str | None:
    """Decode a Telex leftover ("dduowcj" → "được"); None unless it gives a syllable."""
    shape = "dd" in token or "w" in token or any(v * 2 in token for v in "aeo")
    tail = len(token) - len(token.rstrip("sfrxj"))  # tone keys typed at the end
    buf: list[str] = []
    tone = 0
    for pos, ch in enumerate(token):
        has_vowel = any(c in _VOWELS for c in buf)
        if ch == "d" and buf == ["d"]:
            buf[0] = "đ"
        elif ch in _TELEX_DOUBLE and buf and buf[-1] == ch:
            buf[-1] = _TELEX_DOUBLE[ch]
        elif ch == "w":
            if not _apply_horn(buf):
                if has_vowel:
                    return None
                buf.append("ư")
        elif ch in _TELEX_TONES and has_vowel and (shape or pos >= len(token) - tail):
            tone = _TELEX_TONES[ch]
        elif ch == "z" and has_vowel:
            tone = 0
        else:
            buf.append(ch)
    return _finish("".join(buf), tone)


def _vni(token: str) -> str | None:
    """Decode a VNI leftover ("d9u7o75c" → "được"); None unless it gives a syllable."""
    buf: list[str] = []
    tone = 0
    for ch in token:
        if ch == "9":
            if "d" not in buf:
                return None
            buf[buf.index("d")] = "đ"
        elif ch in _VNI_MARKS:
            if ch == "7" and _apply_horn(buf):
                continue
            marks = _VNI_MARKS[ch]
            idx = next((i for i in reversed(range(len(buf))) if buf[i] in marks), None)
            if idx is None:
                return None
            buf[idx] = marks[buf[idx]]
        elif ch in _VNI_TONES:
            tone = _VNI_TONES[ch]
        elif ch == "0":
            tone = 0
        else:
            buf.append(ch)
    return _finish("".join(buf), tone)


def _finish(base: str, tone: int) -> str | None:
    word = place_tone(base, tone)
    return word if word and is_syllable(word) else None


def _swap_teen_onset(word: str) -> str | None:
    """Teencode consonant swaps: f→ph, w→qu (fải→phải, wá→quá)."""
    for src, dst in (("f", "ph"), ("w", "qu")):
        if word.startswith(src):
            candidate = canonical_tone(dst + word[len(src) :])
            if is_syllable(candidate):
                return candidate
    return None


def repair_token(token: str) -> str:
    """Repair one token typed with the IME off (Telex/VNI) or with teencode onsets."""
    if token in _ENGLISH or token in _PROTECTED or is_syllable(token):
        return token
    if any(ch.isdigit() for ch in token):
        vni_ok = token[0].isalpha() and sum(ch.isalpha() for ch in token) >= 2
        vni_ok = vni_ok and any(ch in "123456789" for ch in token)
        return (_vni(token) if vni_ok else None) or token
    if not token.isalpha():
        return token
    for fix in (_swap_teen_onset, _telex_if_plain, _undouble):
        fixed = fix(token)
        if fixed:
            return fixed
    return token


def _telex_if_plain(token: str) -> str | None:
    split = split_tone(token)
    if split is None or split[1]:
        return None
    return _telex(token)


def _undouble(token: str) -> str | None:
    """'khôngg' → 'không', 'okk' → 'ok': drop doubled letters when that makes a word."""
    single = re.sub(r"(\w)\1", r"\1", token)
    if single != token and (is_syllable(single) or single in _ENGLISH or single in _PROTECTED):
        return single
    return None


# --------------------------------------------------------------------------- abbreviations

# Whole-token expansions that need no context.
_ABBREV: dict[str, str] = {
    # không
    **dict.fromkeys("ko k kg khg kh k0 hk hok hông hổng hem khum hum kô khong0".split(), "không"),
    # được
    **dict.fromkeys("dc đc đx dx dươc đươc dk0".split(), "được"),
    **dict.fromkeys("dky đky đki dki".split(), "đăng ký"),
    **dict.fromkeys("mkhau mkhẩu pw pwd password".split(), "mật khẩu"),
    **dict.fromkeys("tk tkhoan tkhoản".split(), "tài khoản"),
    **dict.fromkeys("sdt sđt".split(), "số điện thoại"),
    **dict.fromkeys("dt đt dthoai đthoai dthoại đthoại".split(), "điện thoại"),
    **dict.fromkeys("cccd cc ccd ccnd".split(), "căn cước"),
    **dict.fromkeys("cmnd cmt".split(), "chứng minh nhân dân"),
    **dict.fromkeys("j gj ji chj".split(), "gì"),
    "ntn": "như thế nào",
    "nthe": "như thế",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "nhiu": "nhiêu",
    "nhìu": "nhiều",
    **dict.fromkeys("vs zới dzới zs".split(), "với"),
    **dict.fromkeys("z zậy dzậy dzạ zạ vại zay dzay".split(), "vậy"),
    **dict.fromkeys("r rùi ròi rầu".split(), "rồi"),
    **dict.fromkeys("bik bít bjt bt bíc".split(), "biết"),
    "hs": "hồ sơ",
    "gplx": "giấy phép lái xe",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    **dict.fromkeys("dvc dvcqg dvctt".split(), "dịch vụ công"),
    "tthc": "thủ tục hành chính",
    "ubnd": "ủy ban nhân dân",
    "ks": "khai sinh",
    "mst": "mã số thuế",
    "lltp": "lý lịch tư pháp",
    "xntthn": "xác nhận tình trạng hôn nhân",
    **dict.fromkeys("app apps ưd".split(), "ứng dụng"),
    **dict.fromkeys("mn mng".split(), "mọi người"),
    "ng": "người",
    "ngta": "người ta",
    **dict.fromkeys("cx cg cug cũg".split(), "cũng"),
    "trc": "trước",
    "ms": "mới",
    "lm": "làm",
    "ns": "nói",
    "nt": "nhắn tin",
    "ib": "nhắn tin",
    "tn": "tin nhắn",
    "ad": "admin",
    **dict.fromkeys("ak ah ạk".split(), "ạ"),
    **dict.fromkeys("uk uh ukm ừm".split(), "ừ"),
    **dict.fromkeys("oke okie oki okê okay okela".split(), "ok"),
    **dict.fromkeys("tks thanks thank thankyou thanhks".split(), "cảm ơn"),
    "cám": "cảm",
    **dict.fromkeys("wa qá qa".split(), "quá"),
    "hnay": "hôm nay",
    "hqua": "hôm qua",
    **dict.fromkeys("bgio bgjo".split(), "bao giờ"),
    "bh": "bảo hiểm",
    "h": "giờ",
    "lun": "luôn",
    "thik": "thích",
    "thjk": "thích",
    "ck": "chuyển khoản",
    "vk": "vợ",
    "hc": "học",
    "zl": "zalo",
    "fb": "facebook",
    "s": "sao",
    "e": "em",
    "tui": "tôi",
    "coi": "xem",
    **dict.fromkeys("giùm dùm".split(), "giúp"),
    "xài": "dùng",
    "mần": "làm",
    "rứa": "vậy",
    "kí": "ký",
    "kì": "kỳ",
    "ki": "ky",
    "lí": "lý",
    "kĩ": "kỹ",
    "mĩ": "mỹ",
    **dict.fromkeys("vneid vneld vnid vnied vneiđ vnied vneid2 vneidd".split(), "vneid"),
    **dict.fromkeys("đddt ddđt dddt đdđt".split(), "vneid"),
    **dict.fromkeys("dichvucong dvcong".split(), "dịch vụ công"),
    **dict.fromkeys("cty ct".split(), "công ty"),
    "kd": "kinh doanh",
    "vp": "văn phòng",
    "nv": "nhân viên",
    "kq": "kết quả",
    "nc": "nước",
    **dict.fromkeys("cnscd cnscđ".split(), "công nghệ số cộng đồng"),
    "login": "đăng nhập",
    "dl": "dữ liệu",
    "xn": "xác nhận",
    "csgt": "cảnh sát giao thông",
    "check": "kiểm tra",
    "update": "cập nhật",
    "reset": "đặt lại",
    "thiệt": "thật",
    "vô": "vào",
    "m1": "mức 1",
    "m2": "mức 2",
    "lv1": "mức 1",
    "lv2": "mức 2",
    "level": "mức",
    "chplay": "chplay",
    "ggplay": "chplay",
    "appstore": "appstore",
}
_PROTECTED = frozenset(_ABBREV) | {"mk", "đk", "dk", "chi", "mô", "răng", "v", "pass"}

# Multi-token rewrites, matched on folded tokens (unambiguous without diacritics).
_PHRASES: tuple[tuple[str, str], ...] = (
    ("dinh danh dien tu", "vneid"),
    ("vn eid", "vneid"),
    ("vn e id", "vneid"),
    ("v neid", "vneid"),
    ("vn id", "vneid"),
    ("ch play", "chplay"),
    ("gg play", "chplay"),
    ("google play", "chplay"),
    ("app store", "appstore"),
    ("ma xn", "mã otp"),
    ("ma xac nhan", "mã otp"),
    ("ma xac thuc", "mã otp"),
    ("hum nay", "hôm nay"),
    ("dang ki", "đăng ký"),
    ("muc1", "mức 1"),
    ("muc2", "mức 2"),
    ("level 1", "mức 1"),
    ("level 2", "mức 2"),
    ("sao v", "sao vậy"),
    ("con nit", "trẻ em"),
    ("muc mot", "mức 1"),
    ("muc hai", "mức 2"),
    ("pass code", "passcode"),
    ("s v", "sao vậy"),
)
# Decoded IME leftovers get their usual accents back ("mát khẩu" from "mats khaaur" → "mật khẩu").
_REACCENT = {
    "mat khau": "mật khẩu",
    "dang ky": "đăng ký",
    "can cuoc": "căn cước",
    "tam tru": "tạm trú",
    "thuong tru": "thường trú",
    "tai khoan": "tài khoản",
    "dien thoai": "điện thoại",
}

_DOMAIN_AFTER_DK = frozenset(
    "mức muc tài tai vneid tạm tam thường thuong khai kết ket hộ ho định dinh lại lai cho sim "
    "tk online trực truc xe kinh sao ở o như nhu thế the kiểu kieu qua trên tren bằng bang tại "
    "giúp giup hộ ntn".split()
)  # fmt: skip
_VERB_BEFORE_DUOC = frozenset(
    "nhận nhan làm lam vào vao dùng dung quét quet tải tai cài cai mở mo xem lấy lay gửi gui "
    "nộp nop sửa sua đổi doi có co không khong ko chưa chua".split()
)  # fmt: skip
_PASSWORD_CONTEXT = frozenset(
    "quên quen đổi doi sai nhập nhap đặt dat lấy lay lại lai khôi khoi reset nhớ nho mất mat".split()
)
_PASSWORD_NEXT = frozenset(
    "vneid mới moi cũ cu đăng dang tài tai tk ứng app của cua sai gồm gom phải phai".split()
)  # fmt: skip
_CHI_COMPOUND = frozenset(
    "tiết phí nhánh trả tiêu hội cục bộ đoàn viện ngân phiếu lương tiet phi nhanh tra tieu hoi".split()
)
_MO_COMPOUND = frozenset("hình tả phỏng đun hinh ta phong dun".split())
_RANG_BEFORE = frozenset("đau nhổ hàm sâu trồng niềng đánh chải cái".split())


def _expand_contextual(tokens: list[str], i: int) -> str | None:
    tok = tokens[i]
    prev = tokens[i - 1] if i else ""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if tok in ("dk", "đk"):
        if (i == 0 or nxt in _DOMAIN_AFTER_DK) and prev not in _VERB_BEFORE_DUOC:
            return "đăng ký"
        return "được"
    if tok == "mk":
        password = prev in _PASSWORD_CONTEXT or nxt in _PASSWORD_NEXT
        return "mật khẩu" if password else "mình"
    if tok == "chi":
        return None if nxt in _CHI_COMPOUND or prev == "chi" else "gì"
    if tok == "mô":
        return None if nxt in _MO_COMPOUND or prev == "quy" else "đâu"
    if tok == "răng":
        return None if prev in _RANG_BEFORE or nxt in ("miệng", "hàm", "sữa", "khôn") else "sao"
    if tok == "pass":
        return "passcode" if nxt in ("6", "code", "sáu") else "mật khẩu"
    if tok == "v":
        return "vậy" if not nxt or nxt in ("admin", "mọi", "ạ", "ad", "mn") else "với"
    return None


# --------------------------------------------------------------------------- fillers

_FILLERS_ANYWHERE: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "cho em hỏi", "cho tôi hỏi", "cho mình hỏi", "cho con hỏi", "cho cháu hỏi", "cho hỏi",
        "cho em hoi", "cho toi hoi", "cho minh hoi", "cho hoi",
        "admin ơi", "bot ơi", "ạ ơi", "với ạ", "admin oi", "bot oi",
        "ạ", "nhé", "nhá", "nhen", "nghen", "ơi",
    )
)  # fmt: skip
_FILLERS_IF_ACCENTED = ("nha", "nhe")  # without diacritics these may be "nhà", "nhẹ"
_FILLERS_IF_ACCENTED_SET = frozenset(_FILLERS_IF_ACCENTED)
_FILLER_INDEX: dict[str, list[tuple[str, ...]]] = {}
for _phrase in sorted(_FILLERS_ANYWHERE, key=len, reverse=True):
    _FILLER_INDEX.setdefault(_phrase[0], []).append(_phrase)
_TRAILING = ("em cảm ơn", "xin cảm ơn", "cảm ơn nhiều", "cảm ơn", "cám ơn", "thank")
_VOCATIVES = ("admin", "bot", "mọi người", "ad", "anh chị", "ạ", "ơi")


@dataclass(frozen=True)
class NormalizedText:
    """A message in its two matching forms."""

    accented: str
    folded: str

    @property
    def tokens(self) -> list[str]:
        return self.folded.split()


_SYMBOLS = {"=": " bằng ", "+": " và ", "&": " và "}


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = _CONTROL.sub(" ", _ZERO_WIDTH.sub("", text))
    if not text.isascii():
        text = _COMBINING.sub("", text)
    return _NON_WORD.sub(" ", text.lower())


def _collapse_repeats(token: str) -> str:
    if token in _ABBREV or token in _PROTECTED or not _REPEAT3.search(token):
        return token
    collapsed = _REPEAT3.sub(r"\1", token)
    return _undouble(collapsed) or collapsed


def _index_phrases(pairs: Iterable[tuple[str, str]]) -> dict[str, list[tuple[list[str], list[str]]]]:
    """Phrases by first word, longest first."""
    index: dict[str, list[tuple[list[str], list[str]]]] = {}
    for pattern, repl in pairs:
        parts = pattern.split()
        index.setdefault(parts[0], []).append((parts, repl.split()))
    for options in index.values():
        options.sort(key=lambda o: -len(o[0]))
    return index


_PHRASE_INDEX = _index_phrases(_PHRASES)
fold_word = lru_cache(maxsize=65536)(fold)  # fold() of one word, cached


def _rewrite_phrases(tokens: list[str]) -> list[str]:
    folded = list(map(fold_word, tokens))
    if _PHRASE_INDEX.keys().isdisjoint(folded):  # the usual case: no phrase can start anywhere
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for parts, repl in _PHRASE_INDEX.get(folded[i], ()):
            if folded[i : i + len(parts)] == parts:
                out.extend(repl)
                i += len(parts)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


_AGE = re.compile(r"(\d{1,3})t")
_CONTEXTUAL = frozenset({"dk", "đk", "mk", "chi", "mô", "răng", "pass", "v"})  # see _expand_contextual
_ABBREV_WORDS = {token: repl.split() for token, repl in _ABBREV.items()}


def _expand(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok[-1] == "t" and tok[0].isdigit() and _AGE.fullmatch(tok):
            out.extend((tok[:-1], "tuổi"))
            continue
        repl = _expand_contextual(tokens, i) if tok in _CONTEXTUAL else None
        if repl is not None:
            out.extend(repl.split())
            continue
        words = _ABBREV_WORDS.get(tok)
        if words is None:
            out.append(tok)  # tokens hold no whitespace
        else:
            out.extend(words)
    return out


def _reaccent(tokens: list[str], repaired: set[int]) -> list[str]:
    out = list(tokens)
    if not repaired:
        return out
    for i in range(len(out) - 1):
        if i in repaired or i + 1 in repaired:
            fixed = _REACCENT.get(fold(f"{out[i]} {out[i + 1]}"))
            if fixed:
                out[i], out[i + 1] = fixed.split()
    return out


def _strip_fillers(tokens: list[str], typed_with_accents: bool) -> list[str]:
    """Drop politeness fillers (unless nothing would be left) and vocatives at the edges."""
    no_fillers = _FILLER_INDEX.keys().isdisjoint(tokens)
    if no_fillers and (not typed_with_accents or _FILLERS_IF_ACCENTED_SET.isdisjoint(tokens)):
        return _strip_edges(tokens)  # the usual case: nothing to drop inside
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in _FILLER_INDEX.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            if not (typed_with_accents and tokens[i] in _FILLERS_IF_ACCENTED):
                kept.append(tokens[i])
            i += 1
    return _strip_edges(kept or tokens)


# (words, their number, how many words must be left) of the phrases dropped at the end ...
_TRAIL_RULES = tuple(
    (phrase.split(), len(phrase.split()), len(phrase.split()) + (2 if phrase in _TRAILING else 0))
    for phrase in _TRAILING + _VOCATIVES
)  # "em cảm ơn" alone stays
_TRAIL_LAST = frozenset(parts[-1] for parts, _n, _keep in _TRAIL_RULES)
# ... and at the start
_LEAD_RULES = tuple((phrase.split(), len(phrase.split())) for phrase in _VOCATIVES + ("dạ",))
_LEAD_FIRST = frozenset(parts[0] for parts, _n in _LEAD_RULES)


def _strip_edges(tokens: list[str]) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        if tokens[-1] in _TRAIL_LAST:  # otherwise no rule can match
            for parts, n, keep in _TRAIL_RULES:
                if len(tokens) > keep and tokens[-n:] == parts:
                    tokens, changed = tokens[:-n], True
        if tokens[0] in _LEAD_FIRST:
            for parts, n in _LEAD_RULES:
                if len(tokens) > n and tokens[:n] == parts:
                    tokens, changed = tokens[n:], True
    return tokens


@lru_cache(maxsize=65536)
def _fix_token(token: str) -> tuple[str, bool]:
    """Repeats collapsed, tone placed canonically, IME leftovers repaired; and whether repaired."""
    token = canonical_tone(_collapse_repeats(token))
    fixed = repair_token(token)
    return fixed, fixed != token


def _pipeline(text: str) -> list[str]:
    cleaned = _clean(text)
    raw = cleaned.split()
    typed_with_accents = not cleaned.isascii()  # only word characters and spaces are left
    tokens: list[str] = []
    repaired: set[int] = set()
    for i, tok in enumerate(raw):
        fixed, was_repaired = _fix_token(tok)
        if was_repaired:
            repaired.add(i)
        tokens.append(fixed)
    tokens = _reaccent(tokens, repaired)
    rewritten = _rewrite_phrases(tokens)
    expanded = _expand(rewritten)
    # _rewrite_phrases is a pure function: on its own input again it gives its output again
    tokens = rewritten if expanded == tokens else _rewrite_phrases(expanded)
    return _strip_fillers(tokens, typed_with_accents)


def normalize(text: str) -> NormalizedText:
    """Normalise a chat message; see the module docstring."""
    accented = " ".join(_pipeline(text))
    return NormalizedText(accented=accented, folded=fold(accented))
