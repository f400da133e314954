"""Mask personal data in what citizens write before it is stored or logged.

Masked: Vietnamese mobile/landline numbers, 9- and 12-digit ID numbers
(CMND/CCCD, also grouped with spaces or dots), e-mail addresses and 4-8 digit
one-time codes next to words such as "mã", "OTP", "code". Ordinary numbers
(dates, years, counts, money, 8-digit hotlines such as 1900 0368) are kept.
"""

from __future__ import annotations

import re

ID_MASK = "[số giấy tờ]"
PHONE_MASK = "[số điện thoại]"
EMAIL_MASK = "[email]"
CODE_MASK = "[mã]"

_SEP = r"[ .\-]"
_NOT_DIGIT_BEFORE = r"(?<![\d+])(?<!\d[.,\-])"
_NOT_NUMBER_AFTER = r"(?!\d|[.,\-]\d)"

# Nine national digits after "0", "84" or "+84": mobiles start with 3/5/7/8/9.
_MOBILE_BODY = (
    rf"[35789]\d{{8}}"
    rf"|[35789]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}"
    rf"|[35789]\d{_SEP}\d{{3}}{_SEP}\d{{4}}"
    rf"|[35789]\d{{2}}{_SEP}\d{{6}}"
    rf"|[35789]\d{{2}}(?:{_SEP}\d{{2}}){{3}}"
)
# Ten national digits after "0" for landlines (024 3823 4567, 0236 382 3456).
_LANDLINE_BODY = (
    rf"2\d{{9}}|2\d{_SEP}\d{{4}}{_SEP}\d{{4}}|2\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{4}}|2\d{{2}}{_SEP}\d{{7}}"
)
_PHONE = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?:\(\+?84\)\s?|\+84{_SEP}?|84{_SEP}?|0)(?:{_MOBILE_BODY}"
    + rf"|{_LANDLINE_BODY})"
    + _NOT_NUMBER_AFTER
)
_MONEY_AFTER = r"(?!\s*(?:đ|₫|vnđ|vnd|đồng|dong|d\b|k\b|nghìn|ngàn|triệu|tỷ|%))"
_ID = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\d{12}|\d{9}"
    + rf"|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}"
    + rf"|\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}"
    + rf"|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}})"
    + _NOT_NUMBER_AFTER
    + _MONEY_AFTER,
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")

_CODE_WORD = r"(?:mã|ma|otp|code)"
_CODE_FILLER = (
    r"(?:xác nhận|xac nhan|kích hoạt|kich hoat|xác thực|xac thuc|otp|pin|code|bảo mật|bao mat"
    r"|vneid|sms|đăng nhập|dang nhap|một lần|mot lan|truy cập|truy cap"
    r"|của (?:tôi|em|mình)|cua (?:toi|em|minh)|là|la|gồm|gom|số|so|mới|moi|nhận được|nhan duoc)"
)
_CODE_AFTER_WORD = re.compile(
    rf"(?P<lead>\b{_CODE_WORD}(?:[\s:=\-]+{_CODE_FILLER})*[\s:=\-]*)(?P<code>\d{{4,8}})(?!\w|[.,/\-]\d)",
    re.IGNORECASE,
)
_CODE_BEFORE_WORD = re.compile(
    rf"(?<![\d.,/\-])\b(?P<code>\d{{4,8}})(?P<tail>\s+(?:là|la)\s+{_CODE_WORD}\b)",
    re.IGNORECASE,
)


def _mask_codes(text: str) -> str:
    text = _CODE_AFTER_WORD.sub(lambda m: m["lead"] + CODE_MASK, text)
    return _CODE_BEFORE_WORD.sub(lambda m: CODE_MASK + m["tail"], text)


def mask_pii(text: str) -> str:
    """Replace phone numbers, ID numbers, e-mails and one-time codes with placeholders."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    text = _ID.sub(ID_MASK, text)
    return _mask_codes(text)


def contains_id_number(text: str) -> bool:
    """True if the text holds a 9- or 12-digit ID number (phone numbers aside)."""
    return _ID.search(_PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))) is not None
