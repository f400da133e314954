"""Vietnamese text of the monthly report: /baocao, the workbook, the chart and `cnscd report`."""

from handlers.texts_sessions import CATEGORY_LABELS as SESSION_CATEGORY_LABELS

# ---------------------------------------------------------------- /baocao in chat
CMD = "Báo cáo tháng: số liệu, biểu đồ và bảng tính (ví dụ /baocao 10/2025)"
MENU = "📊 Báo cáo tháng"
BAD_MONTH = (
    "Mình chưa hiểu tháng «{text}». Bạn gõ tháng dạng MM/YYYY, ví dụ: /baocao 10/2025 "
    "(bỏ trống là tháng hiện tại)."
)
FUTURE_MONTH = "Tháng {month} chưa bắt đầu nên chưa có số liệu. Bạn chọn tháng hiện tại hoặc tháng trước nhé."
NO_UNIT = "Tài khoản của bạn chưa gắn với đơn vị nào nên chưa lập được báo cáo. Bạn liên hệ quản trị viên xã/phường nhé."
PICK_UNIT = "Báo cáo tháng {month}: chọn đơn vị cần lập báo cáo."
UNIT_WHOLE = "🏛 {name} (toàn xã)"
UNIT_BUTTON = "{name}"
NOT_IN_SCOPE = "Bạn chỉ xem được báo cáo của đơn vị mình và các đơn vị trực thuộc."
STALE = "Nút này đã cũ. Bạn gõ /baocao để lập báo cáo lại nhé."

SUMMARY_HEADER = "📊 Báo cáo tháng {month} – {unit}\nKỳ báo cáo: {start}–{end}"
SUMMARY_PARTIAL = " (số liệu đến hôm nay)"
SUMMARY_SESSIONS = "• Phiên hỗ trợ người dân: {value} {change}"
SUMMARY_CITIZENS = "• Lượt người dân được hỗ trợ: {value} {change}"
SUMMARY_TASKS = "• Nhiệm vụ hoàn thành trong kỳ: {done} {done_change}; quá hạn: {overdue} {overdue_change}"
SUMMARY_QUESTIONS = "• Câu hỏi của người dân được bot trả lời: {value}/{total} {change}"
SUMMARY_NO_DATA = "Kỳ này chưa có số liệu (chưa có phiên hỗ trợ, nhiệm vụ hay câu hỏi nào)."
SUMMARY_FILES = "Biểu đồ và bảng tính chi tiết gửi kèm bên dưới."
CHANGE = "(tháng trước {previous}, {sign}{delta})"
CHANGE_SAME = "(tháng trước {previous}, không đổi)"
CAPTION_CHART = "Biểu đồ tháng {month} – {unit}"
CAPTION_BOOK = "Bảng tính báo cáo tháng {month} – {unit}"

# ---------------------------------------------------------------- workbook
NO_DATA = "Không có dữ liệu"
TITLE = "BÁO CÁO THÁNG {month}"
TITLE_UNIT = "Đơn vị:"
TITLE_PERIOD = "Kỳ báo cáo:"
TITLE_MADE = "Ngày lập:"
PERIOD_RANGE = "{start}–{end}"
WINDOW_NOTE = "Kỳ báo cáo tháng {month} tính từ ngày {day} tháng trước đến ngày {last} tháng {month}."

SHEET_SUMMARY = "Tổng hợp"
SHEET_TASKS = "Nhiệm vụ"
SHEET_SESSIONS = "Phiên hỗ trợ"
SHEET_QUESTIONS = "Câu hỏi"

COL_ITEM = "Chỉ tiêu"
COL_THIS = "Kỳ này"
COL_PREVIOUS = "Kỳ trước"
COL_CHANGE = "Tăng/giảm"

SEC_SESSIONS = "1. Hỗ trợ người dân"
ROW_SESSIONS = "Số phiên hỗ trợ"
ROW_CITIZENS = "Lượt người dân được hỗ trợ"
ROW_ELDERLY = "– trong đó người cao tuổi"
ROW_DISABLED = "– trong đó người khuyết tật"
ROW_POOR = "– trong đó hộ nghèo, đối tượng yếu thế"
ROW_HOURS = "Tổng thời gian hỗ trợ (giờ)"
BY_CATEGORY = "Theo loại dịch vụ"
BY_VILLAGE = "Theo thôn/tổ dân phố"
BY_MEMBER = "Theo thành viên"
GROUP_COLUMNS = ("Số phiên", "Người dân", "Cao tuổi", "Khuyết tật", "Hộ nghèo/yếu thế")
NO_VILLAGE = "(không ghi thôn)"

SEC_TASKS = "2. Nhiệm vụ"
ROW_TASKS_TOTAL = "Tổng số nhiệm vụ trong kỳ"
ROW_TASKS_DONE = "Hoàn thành trong kỳ"
ROW_TASKS_ON_TIME = "– trong đó đúng hạn"
ROW_TASKS_OVERDUE = "Quá hạn (chưa hoàn thành)"
ROW_TASKS_SOON = "Đến hạn trong 30 ngày tới"
ROW_TASKS_PROGRESS = "Tiến độ bình quân (%)"
TASKS_NOTE = (
    "Nhiệm vụ trong kỳ: nhiệm vụ đơn vị chủ trì hoặc phối hợp, chưa hoàn thành trước kỳ. "
    "Đúng hạn: hoàn thành không muộn hơn ngày hạn (nhiệm vụ không có ngày hạn tính là đúng hạn)."
)

SEC_QUESTIONS = "3. Câu hỏi của người dân (tính chung toàn xã)"
ROW_Q_TOTAL = "Tổng số câu hỏi"
ROW_Q_ANSWERED = "Bot trả lời ngay"
ROW_Q_CLARIFIED = "Bot hỏi lại để làm rõ"
ROW_Q_FALLBACK = "Bot chưa trả lời được"
ROW_Q_HANDED = "Chuyển cho thành viên Tổ"
ROW_Q_DOWN = "Người dân chưa hài lòng (👎)"
TOP_TOPICS = "Chủ đề được hỏi nhiều nhất"
TOP_UNANSWERED = "Câu hỏi chưa trả lời được, hỏi nhiều nhất"
COL_COUNT = "Số lần"
QUESTIONS_SCOPE_NOTE = "Câu hỏi của người dân tính chung toàn xã/phường (người dân không thuộc đơn vị nào)."
QUESTIONS_COMMUNE_ONLY = (
    "Câu hỏi của người dân không gắn với đơn vị nào nên chỉ có trong báo cáo của xã/phường (toàn xã)."
)

SEC_TICKETS = "4. Yêu cầu hỗ trợ của người dân"
ROW_T_OPENED = "Yêu cầu mới"
ROW_T_CLAIMED = "Đã có thành viên nhận"
ROW_T_CLOSED = "Đã xử lý xong"
ROW_T_CLAIM_TIME = "Thời gian chờ nhận (trung vị, giờ)"
ROW_T_CLOSE_TIME = "Thời gian xử lý xong (trung vị, giờ)"
ROW_T_RATING = "Đánh giá trung bình (điểm)"

SEC_UNREACHABLE = "5. Tài khoản bot không gửi tin được"
ROW_UNREACHABLE = "Số tài khoản"
COL_NAME = "Họ tên"
COL_CHANNEL = "Kênh"
COL_UNIT = "Đơn vị"

TASK_COLUMNS = (
    "Mã NV", "Kế hoạch", "STT", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn",
    "Ngày hạn", "Trạng thái", "Tiến độ (%)", "Cập nhật gần nhất", "Nội dung cập nhật", "Số minh chứng",
)
SESSION_COLUMNS = (
    "Ngày", "Thành viên", "Thôn/tổ dân phố", "Loại hỗ trợ", "Số người", "Cao tuổi", "Khuyết tật",
    "Hộ nghèo/yếu thế", "Kết quả", "Thời gian (phút)", "Ghi chú",
)
TOPIC_COLUMNS = ("Mã chủ đề", "Tên chủ đề", "Số câu hỏi")
UNANSWERED_HEADER = "Câu hỏi chưa trả lời được (nội dung đã che thông tin cá nhân)"
UNANSWERED_COLUMNS = ("Ngày hỏi", "Câu hỏi", "Bot xử lý", "Chuyển cho Tổ")
DECISIONS = {"fallback": "chưa trả lời được", "clarify": "hỏi lại, người dân chưa chọn", "answer": "đã trả lời"}
TOTAL_ROW = "Cộng"
YES = "có"
NO = "không"

STATUS = {
    "not_started": "Chưa bắt đầu",
    "in_progress": "Đang thực hiện",
    "blocked": "Vướng mắc",
    "done": "Hoàn thành",
}
OVERDUE_SUFFIX = " – quá hạn"
RESULTS = {"done": "Xong", "not_done": "Chưa xong", "rescheduled": "Hẹn lại"}
DEADLINE_RECURRING = "Thường xuyên, hằng {every}"
DEADLINE_EVENT = "Theo sự kiện"
EVERY = {"month": "tháng", "quarter": "quý"}
CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "console": "Cửa sổ lệnh"}


def category_label(code: str) -> str:
    return SESSION_CATEGORY_LABELS.get(code, code)


# ---------------------------------------------------------------- chart
CHART_TITLE = "Báo cáo tháng {month} – {unit}"
CHART_SUBTITLE = "Kỳ báo cáo {start}–{end}"
CHART_SESSIONS = "Phiên hỗ trợ theo tuần và loại dịch vụ"
CHART_SESSIONS_Y = "Số phiên"
CHART_TASKS = "Tình trạng nhiệm vụ (quá hạn: {overdue})"
CHART_QUESTIONS = "Câu hỏi của người dân"
CHART_QUESTIONS_COMMUNE_ONLY = "Câu hỏi của người dân tính chung toàn xã\n(xem báo cáo của xã/phường)"
CHART_QUESTION_BARS = ("Bot trả lời", "Hỏi lại để làm rõ", "Chuyển cho Tổ", "Chưa trả lời được")
CHART_COUNT = "Số lượng"
WEEK_LABEL = "{start}–{end}"

# ---------------------------------------------------------------- cnscd report
CLI_HELP = "lập báo cáo tháng (bảng tính .xlsx và biểu đồ .png)"
CLI_HELP_UNIT = "mã đơn vị (mặc định: toàn bộ hệ thống)"
CLI_HELP_MONTH = "tháng báo cáo YYYY-MM, ví dụ 2025-10 (bắt buộc)"
CLI_HELP_OUT = "tệp bảng tính sẽ ghi, đuôi .xlsx (bắt buộc)"
CLI_HELP_PNG = "tệp biểu đồ sẽ ghi, đuôi .png"
CLI_NO_MONTH = "Thiếu --month: tháng báo cáo dạng YYYY-MM, ví dụ --month 2025-10."
CLI_BAD_MONTH = "--month phải có dạng YYYY-MM với tháng từ 01 đến 12, ví dụ 2025-10 (nhận được «{text}»)."
CLI_NO_OUT = "Thiếu --out: tệp bảng tính sẽ ghi, ví dụ --out bao-cao.xlsx."
CLI_BAD_OUT = "--out phải là tệp .xlsx (nhận được «{path}»)."
CLI_BAD_PNG = "--png phải là tệp .png (nhận được «{path}»)."
CLI_NO_UNIT = "Không có đơn vị mã {code}. Xem: cnscd unit list"
CLI_CANNOT_WRITE = "Không ghi được tệp {path}: {error}."
CLI_WHOLE = "Toàn bộ hệ thống"
CLI_WROTE = "Đã ghi: {paths}"
