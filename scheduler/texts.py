"""Every Vietnamese sentence of the reminders, in one place for review."""

DIGEST_HEADER = "Kính gửi {name},\nCác nhiệm vụ của {unit} cần lưu ý (ngày {today}):"
DIGEST_OVERDUE = "⛔ Quá hạn"
DIGEST_DUE = "⏰ Sắp đến hạn"
DIGEST_ITEM = "• #{id} {title}\n   Hạn {due} – {when}; tiến độ {progress}%; cập nhật gần nhất: {last}"
DIGEST_FOOTER = "Anh/chị bấm «Cập nhật tiến độ» khi có tiến triển. Trân trọng cảm ơn!"
WHEN_TODAY = "hạn là hôm nay"
WHEN_LEFT = "còn {n} ngày"
WHEN_LATE = "trễ {n} ngày"
NEVER = "chưa có"
BUTTON_UPDATE = "📝 Cập nhật tiến độ"
BUTTON_VIEW = "📋 Xem nhiệm vụ"
BUTTON_SNOOZE = "⏰ Nhắc lại ngày mai"
# The last line of a reminder cut to fit one message (the most urgent items are kept).
MORE_TASKS = "… và còn {n} nhiệm vụ khác — gõ /nhiemvu để xem đủ."
MORE_OVERDUE = "… và còn {n} nhiệm vụ quá hạn khác — gõ /quahan để xem đủ."

MONTHLY = (
    "Kính gửi {name},\nNhắc báo cáo tháng {month}: báo cáo cần gửi trước ngày {due}. "
    "Các nhiệm vụ thường xuyên sau của {unit} chưa có cập nhật tiến độ từ đầu tháng:\n{items}\n"
    "Anh/chị vui lòng cập nhật tiến độ để báo cáo đầy đủ. Trân trọng cảm ơn!"
)
MONTHLY_ITEM = "• #{id} {title}"

ESCALATION = (
    "Kính gửi {name},\nTổng hợp tuần {week}: các nhiệm vụ quá hạn trên {days} ngày:\n{items}\nTrân trọng."
)
ESCALATION_ITEM = "• #{id} {title} – {units}: hạn {due}, trễ {late} ngày, tiến độ {progress}%"

UNCLAIMED_TICKET = "Có {count} yêu cầu hỗ trợ của người dân chưa ai nhận quá {hours} giờ. Gõ /hangdoi để xem."
