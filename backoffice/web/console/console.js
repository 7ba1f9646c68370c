/*
 * caredesk agent console: plain JavaScript, no framework, no build step.
 *
 * Talks only to the agent API on the same origin (/api/v1/agent/...) and its websocket; the
 * page's Content-Security-Policy allows nothing else. Safety rule for this file: text that
 * comes from the server (customer and bot turns, subjects, notes, names, order data) is only
 * ever put into the page with textContent / createTextNode, never parsed as HTML.
 */
(function () {
  "use strict";

  // -- UI strings: one dictionary per language ----------------------------------------------

  var I18N = {
    en: {
      "app.title": "caredesk · Agent console",
      "app.subtitle": "Agent console",
      "app.skip": "Skip to content",
      "app.dismiss": "Dismiss",
      "lang.label": "Language",
      "nav.label": "Sections",
      "nav.chats": "Live chats",
      "nav.tickets": "Tickets",
      "conn.live": "Live",
      "conn.polling": "Reconnecting · refreshing every 10 s",
      "conn.offline": "Offline",
      "auth.title": "Sign in",
      "auth.intro": "Sign in with your agent account to take conversations from your department's queue.",
      "auth.username": "Username",
      "auth.password": "Password",
      "auth.submit": "Sign in",
      "auth.signingIn": "Signing in…",
      "auth.signOut": "Sign out",
      "auth.missing": "Enter your username and password.",
      "auth.expired": "Your session has ended. Please sign in again.",
      "auth.signedOut": "You are signed out.",
      "auth.whoami": "{name} · {departments}",
      "auth.admin": "all departments (admin)",
      "password.open": "Change password",
      "password.title": "Change your password",
      "password.intro": "You stay signed in here; every other session of your account (other browsers, other computers) is signed out.",
      "password.current": "Current password",
      "password.new": "New password",
      "password.hint": "Long is strong: a sentence you can remember works well. Not your username.",
      "password.repeat": "New password, again",
      "password.cancel": "Cancel",
      "password.submit": "Change password",
      "password.saving": "Changing…",
      "password.missing": "Fill in all three fields.",
      "password.mismatch": "The two new passwords are not the same.",
      "password.changed": "Your password has been changed. Your other sessions were signed out.",
      "queue.title": "Queues",
      "queue.refresh": "Refresh",
      "queue.waiting": "Waiting ({n})",
      "queue.withAgent": "With an agent ({n})",
      "queue.noneWaiting": "Nobody is waiting.",
      "queue.noneWithAgent": "No live chats.",
      "queue.open": "Open now",
      "queue.closed": "Closed now",
      "queue.waitedFor": "waiting {time}",
      "queue.handledBy": "with {name}",
      "queue.updated": "Updated {time}",
      "queue.empty": "You have no departments to watch.",
      "queue.newWaiting": "A customer is waiting in {department}.",
      "conv.emptyTitle": "No conversation open",
      "conv.empty": "Choose a conversation from a queue to see the whole chat.",
      "conv.transcript": "Transcript",
      "conv.claim": "Claim",
      "conv.transferTo": "Transfer to",
      "conv.transfer": "Transfer",
      "conv.resolve": "Resolve",
      "conv.replyLabel": "Reply to the customer",
      "conv.replyHint": "Enter sends · Shift+Enter adds a new line",
      "conv.send": "Send",
      "conv.owner": "Agent: {name}",
      "conv.noOwner": "No agent yet",
      "conv.noteWaiting": "The customer is waiting. Claim the conversation to reply.",
      "conv.noteOther": "{name} is handling this conversation.",
      "conv.noteResolved": "This conversation is resolved; the assistant has taken over again.",
      "conv.noteBot": "The assistant is handling this conversation; the ticket stays open for agents.",
      "conv.claimed": "You claimed the conversation. The customer has been told you joined.",
      "conv.sent": "Reply sent.",
      "conv.resolved": "Conversation resolved. The assistant will ask the customer for a rating.",
      "conv.transferred": "Conversation transferred to {department}.",
      "conv.gone": "You can no longer see this conversation.",
      "conv.notFound": "There is no live chat for this conversation.",
      "conv.newMessage": "New message from the customer on {ticket}.",
      "conv.emptyReply": "Write a message first.",
      "delivery.pending": "Sending…",
      "delivery.accepted": "Sent · waiting for the customer's chat to confirm",
      "delivery.delivered": "Delivered",
      "delivery.failed": "Not delivered",
      "delivery.retry": "Send again",
      "delivery.retryLabel": "Send this message to the customer again",
      "delivery.retrying": "Sending the message again.",
      "delivery.failedNotice": "A message could not be delivered to the customer.",
      "error.delivery_not_failed": "This message is no longer marked as not delivered. The conversation has been reloaded.",
      "error.delivery_not_found": "This message no longer exists.",
      "role.customer": "Customer",
      "role.bot": "Assistant (bot)",
      "role.agent": "Agent",
      "role.system": "System",
      "state.bot": "With the assistant",
      "state.waiting": "Waiting for an agent",
      "state.with_agent": "With an agent",
      "state.resolved": "Resolved",
      "details.label": "Conversation details",
      "details.routing": "Why it came to this department",
      "details.noRouting": "No routing reason recorded.",
      "details.customer": "Customer and ticket",
      "details.email": "Email",
      "details.phone": "Phone",
      "details.language": "Language",
      "details.channel": "Channel",
      "details.ticketStatus": "Ticket status",
      "details.priority": "Priority",
      "details.created": "Opened",
      "details.firstReply": "First agent reply",
      "details.csat": "Satisfaction",
      "details.none": "—",
      "details.order": "Verified order",
      "details.noOrder": "The customer did not verify an order in this conversation.",
      "details.orderId": "Order",
      "details.orderStatus": "Status",
      "details.placedAt": "Placed",
      "details.total": "Total",
      "details.payment": "Payment",
      "details.carrier": "Carrier",
      "details.tracking": "Tracking number",
      "details.items": "Items",
      "details.orderNote": "Note",
      "details.notes": "Internal notes",
      "details.notesHint": "Only agents see notes; the customer never does.",
      "details.noNotes": "No notes yet.",
      "details.noteLabel": "New note",
      "details.addNote": "Add note",
      "details.noteAdded": "Note added.",
      "details.emptyNote": "Write the note first.",
      "tickets.title": "Tickets",
      "tickets.query": "Search",
      "tickets.queryPlaceholder": "Ticket id, order id, email, phone or words of the subject",
      "tickets.status": "Status",
      "tickets.anyStatus": "Any status",
      "tickets.department": "Department",
      "tickets.anyDepartment": "All my departments",
      "tickets.search": "Search",
      "tickets.caption": "Tickets found",
      "tickets.colId": "Ticket",
      "tickets.colSubject": "Subject",
      "tickets.colDepartment": "Department",
      "tickets.colContact": "Contact",
      "tickets.colUpdated": "Updated",
      "tickets.colStatus": "Status",
      "tickets.colActions": "Actions",
      "tickets.count": "{n} ticket(s) found.",
      "tickets.none": "No ticket matches.",
      "tickets.searching": "Searching…",
      "tickets.statusOf": "Status of {ticket}",
      "tickets.update": "Update",
      "tickets.updateLabel": "Update the status of {ticket}",
      "tickets.openChat": "Open chat",
      "tickets.openChatLabel": "Open the chat of {ticket}",
      "tickets.updated": "{ticket} is now {status}.",
      "ticket.new": "New",
      "ticket.open": "Open",
      "ticket.pending": "Pending",
      "ticket.solved": "Solved",
      "priority.low": "Low",
      "priority.normal": "Normal",
      "priority.high": "High",
      "priority.urgent": "Urgent",
      "language.en": "English",
      "language.vi": "Vietnamese",
      "order.pending": "Pending",
      "order.processing": "Processing",
      "order.shipped": "Shipped",
      "order.delivered": "Delivered",
      "order.cancelled": "Cancelled",
      "payment.cod": "Cash on delivery",
      "payment.card": "Card",
      "payment.momo": "MoMo",
      "payment.zalopay": "ZaloPay",
      "payment.vnpay": "VNPAY",
      "payment.bank_transfer": "Bank transfer",
      "dept.customer_support": "Customer Support",
      "dept.after_sales": "After-sales & Warranty",
      "dept.billing": "Billing",
      "dept.logistics": "Delivery & Logistics",
      "dept.sales": "Sales",
      "dept.marketing": "Marketing & Partnerships",
      "dept.technical": "Technical Support",
      "time.seconds": "{n} s",
      "time.minutes": "{n} min",
      "time.hours": "{h} h {m} min",
      "error.generic": "Something went wrong. Please try again.",
      "error.network": "The back office cannot be reached. Check the connection and try again.",
      "error.invalid_credentials": "Wrong username or password.",
      "error.invalid_token": "Your session has ended. Please sign in again.",
      "error.forbidden_department": "This belongs to a department you do not work for.",
      "error.not_your_conversation": "Another agent is handling this conversation.",
      "error.illegal_transition": "That is not possible any more: the conversation changed. It has been reloaded.",
      "error.same_department": "The conversation is already with this department.",
      "error.handoff_active": "The customer is still in a live chat on this ticket: resolve the conversation instead.",
      "error.conversation_not_found": "This conversation no longer exists.",
      "error.ticket_not_found": "This ticket no longer exists.",
      "error.invalid_request": "Some input was not accepted: {message}",
      "error.too_many_requests": "Too many requests. Wait a moment and try again.",
      "error.too_many_attempts": "Too many wrong passwords. Try again in {minutes} min.",
      "error.wrong_password": "The current password is not right.",
      "error.password_too_short": "The new password is too short: use at least {min_length} characters.",
      "error.password_too_simple": "The new password needs at least {min_distinct_characters} different characters.",
      "error.password_contains_username": "The new password must not contain your username.",
      "error.password_unchanged": "The new password must be different from the current one."
    },
    vi: {
      "app.title": "caredesk · Trang nhân viên hỗ trợ",
      "app.subtitle": "Trang nhân viên hỗ trợ",
      "app.skip": "Bỏ qua, đến nội dung chính",
      "app.dismiss": "Đóng",
      "lang.label": "Ngôn ngữ",
      "nav.label": "Mục",
      "nav.chats": "Trò chuyện trực tiếp",
      "nav.tickets": "Phiếu hỗ trợ",
      "conn.live": "Trực tuyến",
      "conn.polling": "Đang kết nối lại · tự làm mới mỗi 10 giây",
      "conn.offline": "Mất kết nối",
      "auth.title": "Đăng nhập",
      "auth.intro": "Đăng nhập bằng tài khoản nhân viên để nhận các cuộc trò chuyện trong hàng chờ của bộ phận bạn.",
      "auth.username": "Tên đăng nhập",
      "auth.password": "Mật khẩu",
      "auth.submit": "Đăng nhập",
      "auth.signingIn": "Đang đăng nhập…",
      "auth.signOut": "Đăng xuất",
      "auth.missing": "Vui lòng nhập tên đăng nhập và mật khẩu.",
      "auth.expired": "Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.",
      "auth.signedOut": "Bạn đã đăng xuất.",
      "auth.whoami": "{name} · {departments}",
      "auth.admin": "tất cả bộ phận (quản trị)",
      "password.open": "Đổi mật khẩu",
      "password.title": "Đổi mật khẩu của bạn",
      "password.intro": "Bạn vẫn đăng nhập ở đây; mọi phiên đăng nhập khác của tài khoản (trình duyệt khác, máy tính khác) sẽ bị đăng xuất.",
      "password.current": "Mật khẩu hiện tại",
      "password.new": "Mật khẩu mới",
      "password.hint": "Mật khẩu càng dài càng an toàn: một câu dễ nhớ là lựa chọn tốt. Không dùng tên đăng nhập.",
      "password.repeat": "Nhập lại mật khẩu mới",
      "password.cancel": "Hủy",
      "password.submit": "Đổi mật khẩu",
      "password.saving": "Đang đổi…",
      "password.missing": "Vui lòng điền đủ cả ba ô.",
      "password.mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",
      "password.changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã được đăng xuất.",
      "queue.title": "Hàng chờ",
      "queue.refresh": "Làm mới",
      "queue.waiting": "Đang chờ ({n})",
      "queue.withAgent": "Đang được hỗ trợ ({n})",
      "queue.noneWaiting": "Không có khách nào đang chờ.",
      "queue.noneWithAgent": "Không có cuộc trò chuyện nào đang diễn ra.",
      "queue.open": "Trong giờ làm việc",
      "queue.closed": "Ngoài giờ làm việc",
      "queue.waitedFor": "đã chờ {time}",
      "queue.handledBy": "do {name} hỗ trợ",
      "queue.updated": "Cập nhật lúc {time}",
      "queue.empty": "Bạn chưa được phân công bộ phận nào.",
      "queue.newWaiting": "Có khách đang chờ ở bộ phận {department}.",
      "conv.emptyTitle": "Chưa mở cuộc trò chuyện nào",
      "conv.empty": "Chọn một cuộc trò chuyện trong hàng chờ để xem toàn bộ nội dung.",
      "conv.transcript": "Nội dung trò chuyện",
      "conv.claim": "Nhận xử lý",
      "conv.transferTo": "Chuyển sang",
      "conv.transfer": "Chuyển",
      "conv.resolve": "Hoàn tất",
      "conv.replyLabel": "Trả lời khách hàng",
      "conv.replyHint": "Enter để gửi · Shift+Enter để xuống dòng",
      "conv.send": "Gửi",
      "conv.owner": "Nhân viên: {name}",
      "conv.noOwner": "Chưa có nhân viên nhận",
      "conv.noteWaiting": "Khách đang chờ. Hãy nhận xử lý để trả lời.",
      "conv.noteOther": "{name} đang hỗ trợ cuộc trò chuyện này.",
      "conv.noteResolved": "Cuộc trò chuyện đã hoàn tất; trợ lý ảo đã tiếp tục phục vụ khách.",
      "conv.noteBot": "Trợ lý ảo đang phục vụ khách; phiếu hỗ trợ vẫn mở cho nhân viên.",
      "conv.claimed": "Bạn đã nhận xử lý. Khách hàng đã được báo là có nhân viên tham gia.",
      "conv.sent": "Đã gửi câu trả lời.",
      "conv.resolved": "Đã hoàn tất. Trợ lý ảo sẽ mời khách đánh giá mức độ hài lòng.",
      "conv.transferred": "Đã chuyển cuộc trò chuyện sang {department}.",
      "conv.gone": "Bạn không còn quyền xem cuộc trò chuyện này.",
      "conv.notFound": "Không có cuộc trò chuyện trực tiếp nào cho mục này.",
      "conv.newMessage": "Khách hàng vừa nhắn tin trong phiếu {ticket}.",
      "conv.emptyReply": "Vui lòng nhập nội dung tin nhắn.",
      "delivery.pending": "Đang gửi…",
      "delivery.accepted": "Đã gửi · chờ khung chat của khách xác nhận",
      "delivery.delivered": "Đã đến khách",
      "delivery.failed": "Không gửi được",
      "delivery.retry": "Gửi lại",
      "delivery.retryLabel": "Gửi lại tin nhắn này cho khách",
      "delivery.retrying": "Đang gửi lại tin nhắn.",
      "delivery.failedNotice": "Có một tin nhắn không gửi được đến khách.",
      "error.delivery_not_failed": "Tin nhắn này không còn ở trạng thái gửi thất bại. Nội dung đã được tải lại.",
      "error.delivery_not_found": "Tin nhắn này không còn tồn tại.",
      "role.customer": "Khách hàng",
      "role.bot": "Trợ lý ảo (bot)",
      "role.agent": "Nhân viên",
      "role.system": "Hệ thống",
      "state.bot": "Trợ lý ảo đang phục vụ",
      "state.waiting": "Đang chờ nhân viên",
      "state.with_agent": "Nhân viên đang hỗ trợ",
      "state.resolved": "Đã hoàn tất",
      "details.label": "Thông tin cuộc trò chuyện",
      "details.routing": "Lý do chuyển đến bộ phận này",
      "details.noRouting": "Không có lý do định tuyến.",
      "details.customer": "Khách hàng và phiếu hỗ trợ",
      "details.email": "Email",
      "details.phone": "Điện thoại",
      "details.language": "Ngôn ngữ",
      "details.channel": "Kênh",
      "details.ticketStatus": "Trạng thái phiếu",
      "details.priority": "Mức ưu tiên",
      "details.created": "Mở lúc",
      "details.firstReply": "Nhân viên trả lời đầu tiên",
      "details.csat": "Mức hài lòng",
      "details.none": "—",
      "details.order": "Đơn hàng đã xác minh",
      "details.noOrder": "Khách chưa xác minh đơn hàng nào trong cuộc trò chuyện này.",
      "details.orderId": "Mã đơn",
      "details.orderStatus": "Trạng thái",
      "details.placedAt": "Ngày đặt",
      "details.total": "Tổng tiền",
      "details.payment": "Thanh toán",
      "details.carrier": "Đơn vị vận chuyển",
      "details.tracking": "Mã vận đơn",
      "details.items": "Sản phẩm",
      "details.orderNote": "Ghi chú",
      "details.notes": "Ghi chú nội bộ",
      "details.notesHint": "Chỉ nhân viên xem được ghi chú; khách hàng không bao giờ thấy.",
      "details.noNotes": "Chưa có ghi chú.",
      "details.noteLabel": "Ghi chú mới",
      "details.addNote": "Thêm ghi chú",
      "details.noteAdded": "Đã thêm ghi chú.",
      "details.emptyNote": "Vui lòng nhập nội dung ghi chú.",
      "tickets.title": "Phiếu hỗ trợ",
      "tickets.query": "Tìm kiếm",
      "tickets.queryPlaceholder": "Mã phiếu, mã đơn, email, số điện thoại hoặc từ trong tiêu đề",
      "tickets.status": "Trạng thái",
      "tickets.anyStatus": "Mọi trạng thái",
      "tickets.department": "Bộ phận",
      "tickets.anyDepartment": "Tất cả bộ phận của tôi",
      "tickets.search": "Tìm",
      "tickets.caption": "Các phiếu tìm được",
      "tickets.colId": "Phiếu",
      "tickets.colSubject": "Tiêu đề",
      "tickets.colDepartment": "Bộ phận",
      "tickets.colContact": "Liên hệ",
      "tickets.colUpdated": "Cập nhật",
      "tickets.colStatus": "Trạng thái",
      "tickets.colActions": "Thao tác",
      "tickets.count": "Tìm thấy {n} phiếu.",
      "tickets.none": "Không có phiếu nào phù hợp.",
      "tickets.searching": "Đang tìm…",
      "tickets.statusOf": "Trạng thái của {ticket}",
      "tickets.update": "Cập nhật",
      "tickets.updateLabel": "Cập nhật trạng thái của {ticket}",
      "tickets.openChat": "Mở trò chuyện",
      "tickets.openChatLabel": "Mở cuộc trò chuyện của {ticket}",
      "tickets.updated": "{ticket} đã chuyển sang trạng thái {status}.",
      "ticket.new": "Mới",
      "ticket.open": "Đang xử lý",
      "ticket.pending": "Chờ phản hồi",
      "ticket.solved": "Đã giải quyết",
      "priority.low": "Thấp",
      "priority.normal": "Bình thường",
      "priority.high": "Cao",
      "priority.urgent": "Khẩn cấp",
      "language.en": "Tiếng Anh",
      "language.vi": "Tiếng Việt",
      "order.pending": "Chờ xác nhận",
      "order.processing": "Đang xử lý",
      "order.shipped": "Đang giao",
      "order.delivered": "Đã giao",
      "order.cancelled": "Đã hủy",
      "payment.cod": "Thanh toán khi nhận hàng (COD)",
      "payment.card": "Thẻ",
      "payment.momo": "MoMo",
      "payment.zalopay": "ZaloPay",
      "payment.vnpay": "VNPAY",
      "payment.bank_transfer": "Chuyển khoản ngân hàng",
      "dept.customer_support": "Chăm sóc khách hàng",
      "dept.after_sales": "Hậu mãi & Bảo hành",
      "dept.billing": "Thanh toán & Hóa đơn",
      "dept.logistics": "Giao hàng & Vận chuyển",
      "dept.sales": "Kinh doanh",
      "dept.marketing": "Marketing & Hợp tác",
      "dept.technical": "Hỗ trợ kỹ thuật",
      "time.seconds": "{n} giây",
      "time.minutes": "{n} phút",
      "time.hours": "{h} giờ {m} phút",
      "error.generic": "Đã có lỗi xảy ra. Vui lòng thử lại.",
      "error.network": "Không kết nối được với hệ thống. Vui lòng kiểm tra mạng và thử lại.",
      "error.invalid_credentials": "Sai tên đăng nhập hoặc mật khẩu.",
      "error.invalid_token": "Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.",
      "error.forbidden_department": "Nội dung này thuộc bộ phận mà bạn không phụ trách.",
      "error.not_your_conversation": "Một nhân viên khác đang hỗ trợ cuộc trò chuyện này.",
      "error.illegal_transition": "Không thể thực hiện nữa vì cuộc trò chuyện đã thay đổi. Nội dung đã được tải lại.",
      "error.same_department": "Cuộc trò chuyện đã ở bộ phận này rồi.",
      "error.handoff_active": "Khách vẫn đang trò chuyện trực tiếp trong phiếu này: hãy hoàn tất cuộc trò chuyện thay vì đóng phiếu.",
      "error.conversation_not_found": "Cuộc trò chuyện này không còn tồn tại.",
      "error.ticket_not_found": "Phiếu hỗ trợ này không còn tồn tại.",
      "error.invalid_request": "Dữ liệu chưa hợp lệ: {message}",
      "error.too_many_requests": "Quá nhiều yêu cầu. Vui lòng đợi một lát rồi thử lại.",
      "error.too_many_attempts": "Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
      "error.wrong_password": "Mật khẩu hiện tại chưa đúng.",
      "error.password_too_short": "Mật khẩu mới quá ngắn: cần ít nhất {min_length} ký tự.",
      "error.password_too_simple": "Mật khẩu mới cần có ít nhất {min_distinct_characters} ký tự khác nhau.",
      "error.password_contains_username": "Mật khẩu mới không được chứa tên đăng nhập của bạn.",
      "error.password_unchanged": "Mật khẩu mới phải khác mật khẩu hiện tại."
    }
  };
  // Read-only, for the console's own tests (both languages must have the same keys).
  window.CAREDESK_I18N = Object.freeze({ en: Object.freeze(I18N.en), vi: Object.freeze(I18N.vi) });

  var DEPARTMENTS = [
    "customer_support", "after_sales", "billing", "logistics", "sales", "marketing", "technical"
  ];
  var ROLES = ["customer", "bot", "agent", "system"];
  var TICKET_STATUSES = ["new", "open", "pending", "solved"];
  var TOKEN_KEY = "caredesk.console.token";
  var LANG_KEY = "caredesk.console.lang";
  var API = "/api/v1/agent";
  var POLL_MS = 10000;
  var WS_PING_MS = 25000;
  var WS_POLICY_VIOLATION = 4401;

  var state = {
    lang: "en",
    token: null,
    agent: null,
    view: "chats",
    queue: null,
    queueFetchedAt: 0,
    deptNames: {},          // key -> {en, vi}, from the queue (the retailer's departments file)
    currentId: null,
    current: null,
    convSeq: 0,
    rendered: [],           // message ids shown in the transcript, in order
    waitingSeen: null,      // conversation ids seen waiting, to announce newcomers
    ws: null,
    wsLive: false,
    wsRetry: 0,
    wsTimer: null,
    pingTimer: null,
    pollTimer: null,
    tickTimer: null,
    queueTimer: null,
    convTimer: null,
    tickets: [],
    lastWorkView: "chats"   // where "Cancel" on the password form goes back to
  };

  // -- small helpers -------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function t(key, vars) {
    var table = I18N[state.lang] || I18N.en;
    var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : I18N.en[key];
    if (text === undefined) { return key; }
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (all, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
      });
    }
    return text;
  }

  function has(key) { return Object.prototype.hasOwnProperty.call(I18N.en, key); }

  /* Builds an element. Children that are strings become text nodes: never HTML. */
  function el(tag, options, children) {
    var node = document.createElement(tag);
    var o = options || {};
    if (o.className) { node.className = o.className; }
    if (o.text !== undefined && o.text !== null) { node.textContent = String(o.text); }
    if (o.i18n) { node.setAttribute("data-i18n", o.i18n); node.textContent = t(o.i18n); }
    if (o.attrs) {
      Object.keys(o.attrs).forEach(function (name) {
        if (o.attrs[name] !== null && o.attrs[name] !== undefined) {
          node.setAttribute(name, String(o.attrs[name]));
        }
      });
    }
    if (o.data) {
      Object.keys(o.data).forEach(function (name) { node.dataset[name] = String(o.data[name]); });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function show(node, visible) { node.hidden = !visible; }

  function locale() { return state.lang === "vi" ? "vi-VN" : "en-GB"; }

  function formatTime(iso, withDate) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    var today = new Date();
    var sameDay = date.toDateString() === today.toDateString();
    var options = (withDate || !sameDay)
      ? { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }
      : { hour: "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(locale(), options).format(date);
  }

  /* A <time> element that is re-formatted when the language changes. */
  function timeEl(iso, withDate) {
    return el("time", {
      text: formatTime(iso, withDate),
      attrs: { datetime: iso },
      data: { at: iso, withDate: withDate ? "1" : "" }
    });
  }

  function formatDuration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) { return t("time.seconds", { n: s }); }
    if (s < 3600) { return t("time.minutes", { n: Math.floor(s / 60) }); }
    var minutes = Math.floor((s % 3600) / 60);
    return t("time.hours", { h: Math.floor(s / 3600), m: (minutes < 10 ? "0" : "") + minutes });
  }

  function formatMoney(amount) {
    return new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND" }).format(amount);
  }

  function deptName(key) {
    var names = state.deptNames[key];
    if (names && names[state.lang]) { return names[state.lang]; }
    return has("dept." + key) ? t("dept." + key) : key;
  }

  function label(prefix, value) {
    return value && has(prefix + value) ? t(prefix + value) : (value || t("details.none"));
  }

  function announce(message) {
    var node = $("announcer");
    node.textContent = "";
    window.setTimeout(function () { node.textContent = message; }, 60);
  }

  function showBanner(message) {
    $("banner-text").textContent = message;
    show($("banner"), true);
  }

  function hideBanner() { show($("banner"), false); }

  // -- the API -------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details && typeof details === "object" ? details : {};
  }

  function errorText(error) {
    if (!(error instanceof ApiError)) { return t("error.generic"); }
    if (error.code === "invalid_request") {
      return t("error.invalid_request", { message: error.message || "" });
    }
    // The numbers in a message (minutes to wait, the password rule) come from the server.
    var vars = {};
    Object.keys(error.details).forEach(function (name) { vars[name] = error.details[name]; });
    if (typeof error.details.retry_after_seconds === "number") {
      vars.minutes = Math.max(1, Math.ceil(error.details.retry_after_seconds / 60));
    }
    if (has("error." + error.code)) { return t("error." + error.code, vars); }
    return error.message || t("error.generic");
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) { return data; }
        var error = (data && data.error) || {};
        var failure = new ApiError(response.status, error.code || "error", error.message || "", error.details);
        if (response.status === 401 && path !== "/login" && state.token) {
          endSession("auth.expired");
        }
        throw failure;
      });
    }, function () {
      throw new ApiError(0, "network", "");
    });
  }

  // -- language ------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    $("language").value = state.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    document.querySelectorAll("[data-i18n-aria-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria-label")));
    });
    document.querySelectorAll("time[data-at]").forEach(function (node) {
      node.textContent = formatTime(node.dataset.at, node.dataset.withDate === "1");
    });
    document.title = t("app.title");
    setConnection(state.wsLive ? "live" : (state.token ? "polling" : "offline"));
    if (state.agent) {
      renderWhoami();
      fillDepartmentSelect();
      renderQueue();
      if (state.current) { renderConversation(state.current, { relabel: true }); }
      renderTickets();
    }
  }

  function setLanguage(lang) {
    state.lang = lang === "vi" ? "vi" : "en";
    try { window.localStorage.setItem(LANG_KEY, state.lang); } catch (e) { /* private mode */ }
    applyLanguage();
  }

  function initialLanguage() {
    var saved = null;
    try { saved = window.localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
    if (saved === "en" || saved === "vi") { return saved; }
    return (navigator.language || "").toLowerCase().indexOf("vi") === 0 ? "vi" : "en";
  }

  // -- session -------------------------------------------------------------------------------

  function signIn(event) {
    event.preventDefault();
    var username = $("username").value.trim();
    var password = $("password").value;
    var errorNode = $("login-error");
    if (!username || !password) {
      errorNode.textContent = t("auth.missing");
      show(errorNode, true);
      return;
    }
    var submit = $("login-submit");
    submit.disabled = true;
    submit.textContent = t("auth.signingIn");
    show(errorNode, false);
    api("POST", "/login", { username: username, password: password }).then(function (data) {
      state.token = data.token;
      try { window.sessionStorage.setItem(TOKEN_KEY, data.token); } catch (e) { /* ignore */ }
      $("password").value = "";
      startSession(data.agent);
    }).catch(function (error) {
      errorNode.textContent = errorText(error);
      show(errorNode, true);
      $("password").focus();
    }).then(function () {
      submit.disabled = false;
      submit.textContent = t("auth.submit");
    });
  }

  function startSession(agent) {
    state.agent = agent;
    hideBanner();
    show($("login-view"), false);
    show($("nav"), true);
    show($("whoami"), true);
    show($("change-password"), true);
    show($("sign-out"), true);
    show($("connection"), true);
    renderWhoami();
    fillDepartmentSelect();
    showView("chats", false);
    loadQueue();
    connectSocket();
    state.pollTimer = window.setInterval(poll, POLL_MS);
    state.tickTimer = window.setInterval(tick, 1000);
    $("queues-title").setAttribute("tabindex", "-1");
    $("queues-title").focus();
  }

  function signOut() {
    var token = state.token;
    if (token) { api("POST", "/logout").catch(function () { /* ends locally anyway */ }); }
    endSession("auth.signedOut");
  }

  function endSession(messageKey) {
    state.token = null;
    state.agent = null;
    try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    closeSocket();
    [state.pollTimer, state.tickTimer].forEach(function (timer) { window.clearInterval(timer); });
    state.pollTimer = state.tickTimer = null;
    state.queue = null;
    state.waitingSeen = null;
    state.tickets = [];
    closeConversation();
    clear($("queue-list"));
    clear($("ticket-rows"));
    $("ticket-count").textContent = "";
    show($("nav"), false);
    show($("whoami"), false);
    show($("change-password"), false);
    show($("sign-out"), false);
    show($("connection"), false);
    show($("chats-view"), false);
    show($("tickets-view"), false);
    resetPasswordForm();
    show($("password-view"), false);
    show($("login-view"), true);
    if (messageKey) { showBanner(t(messageKey)); }
    $("username").focus();
  }

  function renderWhoami() {
    var agent = state.agent;
    if (!agent) { return; }
    var departments = agent.is_admin
      ? t("auth.admin")
      : agent.departments.map(deptName).join(", ");
    $("whoami").textContent = t("auth.whoami", { name: agent.display_name, departments: departments });
  }

  function myDepartments() {
    if (!state.agent) { return []; }
    return state.agent.is_admin ? DEPARTMENTS.slice() : state.agent.departments.slice();
  }

  function canAccess(department) {
    return !!state.agent && (state.agent.is_admin || state.agent.departments.indexOf(department) >= 0);
  }

  // -- views ---------------------------------------------------------------------------------

  var VIEW_HEADINGS = { chats: "queues-title", tickets: "tickets-title", password: "password-title" };

  function showView(view, focus) {
    if (state.view === "password" && view !== "password") { resetPasswordForm(); }
    if (view !== "password") { state.lastWorkView = view; }
    state.view = view;
    show($("chats-view"), view === "chats");
    show($("tickets-view"), view === "tickets");
    show($("password-view"), view === "password");
    document.querySelectorAll("#nav .tab").forEach(function (tab) {
      if (tab.dataset.view === view) { tab.setAttribute("aria-current", "page"); }
      else { tab.removeAttribute("aria-current"); }
    });
    if (view === "tickets" && state.tickets.length === 0) { searchTickets(); }
    if (focus) {
      var heading = $(VIEW_HEADINGS[view]);
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  // -- one's own password --------------------------------------------------------------------

  var PASSWORD_FIELDS = ["current-password", "new-password", "repeat-password"];

  function resetPasswordForm() {
    PASSWORD_FIELDS.forEach(function (id) { $(id).value = ""; });
    show($("password-error"), false);
  }

  function openPasswordView() {
    resetPasswordForm();
    hideBanner();
    showView("password", false);
    $("current-password").focus();
  }

  function closePasswordView() {
    showView(state.lastWorkView, true);
  }

  function passwordError(message, fieldId) {
    $("password-error").textContent = message;
    show($("password-error"), true);
    if (fieldId) { $(fieldId).focus(); }
  }

  function changePassword(event) {
    event.preventDefault();
    var current = $("current-password").value;
    var fresh = $("new-password").value;
    if (!current || !fresh || !$("repeat-password").value) {
      passwordError(t("password.missing"), PASSWORD_FIELDS.filter(function (id) { return !$(id).value; })[0]);
      return;
    }
    if (fresh !== $("repeat-password").value) {
      passwordError(t("password.mismatch"), "repeat-password");
      return;
    }
    var submit = $("password-submit");
    busy(submit, true);
    submit.textContent = t("password.saving");
    show($("password-error"), false);
    api("POST", "/password", { current_password: current, new_password: fresh }).then(function () {
      closePasswordView();
      showBanner(t("password.changed"));
      announce(t("password.changed"));
    }).catch(function (error) {
      if (error.status === 401) { return; }  // the session itself ended: back to sign-in
      var code = (error && error.code) || "";
      var field = code === "wrong_password" ? "current-password"
        : (code.indexOf("password_") === 0 ? "new-password" : null);
      passwordError(errorText(error), field);
    }).then(function () {
      busy(submit, false);
      submit.textContent = t("password.submit");
    });
  }

  // -- the websocket, with polling while it is down -------------------------------------------

  function setConnection(mode) {
    var node = $("connection");
    node.dataset.state = mode;
    $("connection-text").textContent = t("conn." + mode);
  }

  function connectSocket() {
    if (!state.token || state.ws) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + API + "/ws?token=" + encodeURIComponent(state.token);
    var socket;
    try { socket = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    state.ws = socket;
    setConnection("polling");
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event && typeof event.type === "string") { handleEvent(event); }
    };
    socket.onclose = function (close) {
      if (state.ws !== socket) { return; }
      state.ws = null;
      state.wsLive = false;
      window.clearInterval(state.pingTimer);
      if (!state.token) { setConnection("offline"); return; }
      setConnection("polling");
      if (close.code === WS_POLICY_VIOLATION) {
        api("GET", "/me").catch(function () { /* a 401 ends the session */ });
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (!state.token) { return; }
    var delay = Math.min(30000, 1000 * Math.pow(2, state.wsRetry));
    state.wsRetry += 1;
    window.clearTimeout(state.wsTimer);
    state.wsTimer = window.setTimeout(connectSocket, delay);
  }

  function closeSocket() {
    window.clearTimeout(state.wsTimer);
    window.clearInterval(state.pingTimer);
    var socket = state.ws;
    state.ws = null;
    state.wsLive = false;
    state.wsRetry = 0;
    if (socket) { try { socket.close(1000); } catch (e) { /* already closed */ } }
    setConnection("offline");
  }

  function handleEvent(event) {
    switch (event.type) {
      case "hello":
        state.wsLive = true;
        state.wsRetry = 0;
        setConnection("live");
        window.clearInterval(state.pingTimer);
        state.pingTimer = window.setInterval(function () {
          if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send("ping"); }
        }, WS_PING_MS);
        // Whatever happened while the socket was down is in the database: reload it.
        scheduleQueueReload();
        if (state.currentId) { scheduleConversationReload(); }
        break;
      case "queue_changed":
        scheduleQueueReload();
        break;
      case "customer_message":
        if (event.conversation_id === state.currentId) {
          scheduleConversationReload();
        } else if (event.ticket_id) {
          announce(t("conv.newMessage", { ticket: String(event.ticket_id) }));
        }
        break;
      case "conversation_updated":
        if (event.conversation_id === state.currentId) { scheduleConversationReload(); }
        if (event.reason === "ticket_status" || event.reason === "resolved") { refreshTicketsSoon(); }
        scheduleQueueReload();
        break;
      case "delivery_updated":
        if (event.conversation_id === state.currentId) { scheduleConversationReload(); }
        if (event.state === "failed") { announce(t("delivery.failedNotice")); }
        break;
      case "resync":
        scheduleQueueReload();
        if (state.currentId) { scheduleConversationReload(); }
        break;
      default:
        break;
    }
  }

  function poll() {
    if (!state.token || state.wsLive) { return; }
    loadQueue();
    if (state.currentId) { loadConversation(); }
  }

  function scheduleQueueReload() {
    window.clearTimeout(state.queueTimer);
    state.queueTimer = window.setTimeout(loadQueue, 120);
  }

  function scheduleConversationReload() {
    window.clearTimeout(state.convTimer);
    state.convTimer = window.setTimeout(loadConversation, 80);
  }

  function refreshTicketsSoon() {
    if (state.view === "tickets" && state.tickets.length) { searchTickets(); }
  }

  // -- queues --------------------------------------------------------------------------------

  function loadQueue() {
    if (!state.token) { return Promise.resolve(); }
    return api("GET", "/queue").then(function (data) {
      state.queue = data;
      state.queueFetchedAt = Date.now();
      data.departments.forEach(function (group) {
        state.deptNames[group.department] = { en: group.name_en, vi: group.name_vi };
      });
      announceNewcomers(data);
      renderQueue();
      renderWhoami();
    }).catch(function (error) {
      if (error.status !== 401) { showBanner(errorText(error)); }
    });
  }

  function announceNewcomers(data) {
    var waiting = {};
    var fresh = null;
    data.departments.forEach(function (group) {
      group.waiting.forEach(function (entry) {
        waiting[entry.conversation_id] = true;
        if (state.waitingSeen && !state.waitingSeen[entry.conversation_id]) { fresh = group.department; }
      });
    });
    if (fresh) { announce(t("queue.newWaiting", { department: deptName(fresh) })); }
    state.waitingSeen = waiting;
  }

  function renderQueue() {
    var list = $("queue-list");
    // Re-rendering replaces the buttons: keep the keyboard focus on the same conversation.
    var focused = document.activeElement;
    var focusedId = focused && list.contains(focused) && focused.dataset ? focused.dataset.conversation : null;
    clear(list);
    var data = state.queue;
    if (!data) { return; }
    if (!data.departments.length) {
      list.appendChild(el("p", { className: "muted", i18n: "queue.empty" }));
      return;
    }
    data.departments.forEach(function (group) {
      var headingId = "queue-" + group.department;
      var section = el("section", {
        className: "dept",
        attrs: { "aria-labelledby": headingId },
        data: { department: group.department }
      }, [
        el("div", { className: "dept-head" }, [
          el("h3", { text: deptName(group.department), attrs: { id: headingId } }),
          el("span", {
            className: "pill " + (group.open_now ? "pill-open" : "pill-closed"),
            text: t(group.open_now ? "queue.open" : "queue.closed")
          })
        ]),
        el("h4", { className: "queue-sub", text: t("queue.waiting", { n: group.waiting.length }) }),
        entryList(group.waiting, "queue.noneWaiting"),
        el("h4", { className: "queue-sub", text: t("queue.withAgent", { n: group.with_agent.length }) }),
        entryList(group.with_agent, "queue.noneWithAgent")
      ]);
      list.appendChild(section);
    });
    $("queue-updated").textContent = t("queue.updated", {
      time: formatTime(new Date(state.queueFetchedAt).toISOString())
    });
    tick();
    if (focusedId) {
      list.querySelectorAll(".queue-item").forEach(function (button) {
        if (button.dataset.conversation === focusedId) { button.focus(); }
      });
    }
  }

  function entryList(entries, emptyKey) {
    if (!entries.length) { return el("p", { className: "muted small queue-none", text: t(emptyKey) }); }
    return el("ul", { className: "queue-entries" }, entries.map(function (entry) {
      var waiting = entry.state === "waiting";
      var info = waiting
        ? el("span", { className: "wait", data: { seconds: entry.waiting_seconds } })
        : el("span", { className: "handled", text: t("queue.handledBy", { name: entry.agent_name || "?" }) });
      var button = el("button", {
        className: "queue-item" + (waiting ? " is-waiting" : ""),
        attrs: {
          type: "button",
          "aria-current": entry.conversation_id === state.currentId ? "true" : null
        },
        data: { conversation: entry.conversation_id }
      }, [
        el("span", { className: "queue-subject", text: entry.subject }),
        el("span", { className: "queue-meta" }, [
          el("span", { className: "mono", text: entry.ticket_id }),
          el("span", { className: "lang-tag", text: entry.language.toUpperCase() }),
          info
        ])
      ]);
      button.addEventListener("click", function () { openConversation(entry.conversation_id); });
      return el("li", {}, [button]);
    }));
  }

  /* Every second: waiting times move on without asking the server. */
  function tick() {
    var elapsed = (Date.now() - state.queueFetchedAt) / 1000;
    document.querySelectorAll("#queue-list .wait").forEach(function (node) {
      var seconds = Number(node.dataset.seconds) + elapsed;
      node.textContent = t("queue.waitedFor", { time: formatDuration(seconds) });
      node.classList.toggle("wait-long", seconds >= 300);
      node.classList.toggle("wait-critical", seconds >= 900);
    });
  }

  function markCurrentInQueue() {
    document.querySelectorAll("#queue-list .queue-item").forEach(function (button) {
      if (button.dataset.conversation === state.currentId) { button.setAttribute("aria-current", "true"); }
      else { button.removeAttribute("aria-current"); }
    });
  }

  // -- one conversation ----------------------------------------------------------------------

  function openConversation(conversationId) {
    if (state.view !== "chats") { showView("chats", false); }
    if (state.currentId !== conversationId) {
      state.currentId = conversationId;
      state.current = null;
      state.rendered = [];
      clear($("transcript"));
      $("reply-text").value = "";
      $("note-text").value = "";
    }
    markCurrentInQueue();
    return loadConversation().then(function () {
      if (state.current && state.currentId === conversationId) { $("conv-title").focus(); }
    });
  }

  function closeConversation() {
    state.currentId = null;
    state.current = null;
    state.rendered = [];
    state.convSeq += 1;
    clear($("transcript"));
    show($("conv"), false);
    show($("details"), false);
    show($("conv-empty"), true);
    markCurrentInQueue();
  }

  function loadConversation() {
    var conversationId = state.currentId;
    if (!conversationId || !state.token) { return Promise.resolve(); }
    var seq = ++state.convSeq;
    return api("GET", "/conversations/" + encodeURIComponent(conversationId)).then(function (data) {
      if (seq !== state.convSeq || conversationId !== state.currentId) { return; }
      renderConversation(data, {});
    }).catch(function (error) {
      if (seq !== state.convSeq || error.status === 401) { return; }
      if (error.status === 403 || error.status === 404) {
        closeConversation();
        showBanner(t(error.status === 403 ? "conv.gone" : "conv.notFound"));
      } else {
        showBanner(errorText(error));
      }
    });
  }

  function isMine(handoff) {
    return !!state.agent && handoff.agent_username === state.agent.username;
  }

  function renderConversation(data, options) {
    state.current = data;
    var handoff = data.handoff;
    var ticket = data.ticket;
    show($("conv-empty"), false);
    show($("conv"), true);
    show($("details"), true);

    $("conv-title").textContent = ticket.subject;
    $("conv-ticket").textContent = ticket.id;
    var badge = $("conv-state");
    badge.textContent = t("state." + handoff.state);
    badge.className = "badge badge-" + handoff.state;
    $("conv-dept").textContent = deptName(handoff.department);
    $("conv-owner").textContent = handoff.agent_name
      ? t("conv.owner", { name: handoff.agent_name })
      : t("conv.noOwner");

    var live = handoff.state === "with_agent";
    var mayAct = live && (isMine(handoff) || (state.agent && state.agent.is_admin));
    show($("claim"), handoff.state === "waiting");
    show($("transfer-box"), mayAct);
    show($("resolve"), mayAct);
    show($("reply-form"), mayAct);
    fillTransferSelect(handoff.department);

    var note = "";
    if (handoff.state === "waiting") { note = t("conv.noteWaiting"); }
    else if (live && !mayAct) { note = t("conv.noteOther", { name: handoff.agent_name || "?" }); }
    else if (handoff.state === "resolved") { note = t("conv.noteResolved"); }
    else if (handoff.state === "bot") { note = t("conv.noteBot"); }
    $("conv-note").textContent = note;
    show($("conv-note"), !!note);

    renderTranscript(data.transcript, options.relabel);
    renderDetails(data);
    renderNotes(data.notes);
  }

  function renderTranscript(messages, relabel) {
    var list = $("transcript");
    var ids = messages.map(function (m) { return m.id; });
    var prefix = state.rendered.every(function (id, i) { return ids[i] === id; });
    if (!prefix) {
      clear(list);
      state.rendered = [];
    }
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    var first = state.rendered.length === 0;
    messages.slice(state.rendered.length).forEach(function (message) {
      list.appendChild(messageEl(message));
      state.rendered.push(message.id);
    });
    renderDeliveries(list, messages);
    if (relabel) {
      list.querySelectorAll("[data-i18n]").forEach(function (node) {
        node.textContent = t(node.getAttribute("data-i18n"));
      });
    }
    if (first || atBottom) { list.scrollTop = list.scrollHeight; }
  }

  function messageEl(message) {
    var role = ROLES.indexOf(message.role) >= 0 ? message.role : "system";
    var who = [el("span", { className: "msg-role", i18n: "role." + role })];
    if (message.author && role !== "system") {
      who.push(el("span", { className: "msg-author", text: message.author }));
    }
    return el("li", { className: "msg msg-" + role, data: { id: message.id, role: role } }, [
      el("div", { className: "msg-meta" }, [
        el("span", { className: "msg-who" }, who),
        timeEl(message.at, false)
      ]),
      el("p", { className: "msg-text", text: message.text })
    ]);
  }

  // -- delivery of the messages sent to the customer (services/outbox.py) -------------------

  /* Every message sent to the customer shows how far it got; a failed one can be sent again.
     Rendered messages stay, so their delivery line is brought up to date on each render. */
  function renderDeliveries(list, messages) {
    messages.forEach(function (message) {
      var node = list.querySelector('li.msg[data-id="' + String(message.id) + '"]');
      if (!node) { return; }
      var old = node.querySelector(".msg-delivery");
      var delivery = message.delivery;
      if (!delivery) { if (old) { old.remove(); } return; }
      if (old && old.dataset.state === delivery.state && old.dataset.lang === state.lang) { return; }
      var line = el("p", { className: "msg-delivery", data: { state: delivery.state, lang: state.lang } }, [
        el("span", { className: "msg-delivery-state", i18n: "delivery." + delivery.state })
      ]);
      if (delivery.state === "failed") {
        var retry = el("button", {
          className: "btn btn-small msg-delivery-retry",
          i18n: "delivery.retry",
          attrs: { type: "button", "aria-label": t("delivery.retryLabel"), title: t("delivery.retryLabel") }
        });
        retry.addEventListener("click", function () { retryDelivery(retry, delivery.delivery_id); });
        line.appendChild(retry);
      }
      if (old) { node.replaceChild(line, old); } else { node.appendChild(line); }
    });
  }

  function retryDelivery(button, deliveryId) {
    var path = "deliveries/" + encodeURIComponent(deliveryId) + "/retry";
    conversationAction(button, path, undefined, function (data) {
      state.convSeq += 1;
      renderConversation(data, {});
      announce(t("delivery.retrying"));
    });
  }

  function fact(list, key, value, node) {
    list.appendChild(el("dt", { text: t(key) }));
    list.appendChild(el("dd", {}, [node || (value === null || value === undefined || value === ""
      ? t("details.none") : String(value))]));
  }

  function renderDetails(data) {
    var ticket = data.ticket;
    $("routing-reason").textContent = data.routing_reason || t("details.noRouting");

    var info = $("customer-info");
    clear(info);
    fact(info, "details.email", ticket.contact_email);
    fact(info, "details.phone", ticket.contact_phone);
    fact(info, "details.language", label("language.", ticket.language));
    fact(info, "details.channel", ticket.channel);
    fact(info, "details.ticketStatus", null,
      el("span", { className: "badge badge-ticket-" + ticket.status, text: label("ticket.", ticket.status) }));
    fact(info, "details.priority", label("priority.", ticket.priority));
    fact(info, "details.created", null, timeEl(ticket.created_at, true));
    if (ticket.first_agent_reply_at) {
      fact(info, "details.firstReply", null, timeEl(ticket.first_agent_reply_at, true));
    }
    if (ticket.csat_score) { fact(info, "details.csat", ticket.csat_score + " / 5"); }

    var box = $("order-summary");
    clear(box);
    var order = data.order_summary;
    if (!order || typeof order !== "object") {
      box.appendChild(el("p", { className: "muted", text: t("details.noOrder") }));
      return;
    }
    var facts = el("dl", { className: "facts" });
    fact(facts, "details.orderId", null, el("span", { className: "mono", text: order.order_id || "" }));
    if (order.status) { fact(facts, "details.orderStatus", label("order.", order.status)); }
    if (order.placed_at) { fact(facts, "details.placedAt", null, timeEl(order.placed_at, true)); }
    if (typeof order.total_vnd === "number") { fact(facts, "details.total", formatMoney(order.total_vnd)); }
    if (order.payment_method) { fact(facts, "details.payment", label("payment.", order.payment_method)); }
    if (order.carrier) { fact(facts, "details.carrier", order.carrier); }
    if (order.tracking_number) {
      fact(facts, "details.tracking", null, el("span", { className: "mono", text: order.tracking_number }));
    }
    if (Array.isArray(order.items) && order.items.length) {
      fact(facts, "details.items", null, el("ul", { className: "items" }, order.items.map(function (item) {
        var text = String(item.name || "") + " × " + String(item.quantity || 1);
        return el("li", {}, [text, item.sku ? el("span", { className: "muted mono", text: " " + item.sku }) : null]);
      })));
    }
    if (order.note) { fact(facts, "details.orderNote", order.note); }
    box.appendChild(facts);
  }

  function renderNotes(notes) {
    var list = $("notes");
    clear(list);
    if (!notes.length) {
      list.appendChild(el("li", { className: "muted small", text: t("details.noNotes") }));
      return;
    }
    notes.forEach(function (note) {
      list.appendChild(el("li", { className: "note", data: { id: note.id } }, [
        el("div", { className: "note-meta" }, [
          el("span", { className: "note-author", text: note.agent_name }),
          timeEl(note.at, false)
        ]),
        el("p", { className: "note-text", text: note.text })
      ]));
    });
  }

  function fillTransferSelect(current) {
    var select = $("transfer-to");
    var previous = select.value;
    clear(select);
    DEPARTMENTS.filter(function (key) { return key !== current; }).forEach(function (key) {
      select.appendChild(el("option", { text: deptName(key), attrs: { value: key } }));
    });
    if (previous && previous !== current) { select.value = previous; }
  }

  // -- conversation actions ------------------------------------------------------------------

  function busy(button, running) {
    button.disabled = running;
    button.setAttribute("aria-busy", running ? "true" : "false");
  }

  function conversationAction(button, action, body, onDone) {
    var conversationId = state.currentId;
    if (!conversationId) { return Promise.resolve(); }
    busy(button, true);
    hideBanner();
    return api("POST", "/conversations/" + encodeURIComponent(conversationId) + "/" + action, body)
      .then(function (data) {
        if (conversationId !== state.currentId) { return; }
        onDone(data);
      })
      .catch(function (error) {
        if (error.status === 401) { return; }
        showBanner(errorText(error));
        if (error.status === 409 || error.status === 403) { loadConversation(); }
      })
      .then(function () { busy(button, false); });
  }

  function claim() {
    conversationAction($("claim"), "claim", undefined, function (data) {
      state.convSeq += 1;  // a reload already in flight must not overwrite this answer
      renderConversation(data, {});
      announce(t("conv.claimed"));
      loadQueue();
      $("reply-text").focus();
    });
  }

  function sendReply(event) {
    event.preventDefault();
    var box = $("reply-text");
    var text = box.value;
    if (!text.trim()) { announce(t("conv.emptyReply")); box.focus(); return; }
    conversationAction($("reply-send"), "reply", { text: text }, function (data) {
      state.convSeq += 1;
      box.value = "";
      renderConversation(data, {});
      announce(t("conv.sent"));
      box.focus();
    });
  }

  function replyKeydown(event) {
    // Enter sends; Shift+Enter is a new line; never while an input method is composing
    // (Vietnamese Telex / VNI typing uses composition).
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    if (!$("reply-send").disabled) { $("reply-form").requestSubmit(); }
  }

  function addNote(event) {
    event.preventDefault();
    var box = $("note-text");
    var text = box.value;
    if (!text.trim()) { announce(t("details.emptyNote")); box.focus(); return; }
    conversationAction($("note-add"), "notes", { text: text }, function (data) {
      state.convSeq += 1;
      box.value = "";
      renderConversation(data, {});
      announce(t("details.noteAdded"));
    });
  }

  function transfer() {
    var department = $("transfer-to").value;
    if (!department) { return; }
    conversationAction($("transfer"), "transfer", { department: department }, function () {
      announce(t("conv.transferred", { department: deptName(department) }));
      scheduleQueueReload();
      if (canAccess(department)) { loadConversation(); }
      else {
        closeConversation();
        showBanner(t("conv.transferred", { department: deptName(department) }));
      }
    });
  }

  function resolve() {
    conversationAction($("resolve"), "resolve", undefined, function (data) {
      state.convSeq += 1;
      renderConversation(data, {});
      announce(t("conv.resolved"));
      loadQueue();
      $("conv-title").focus();
    });
  }

  // -- tickets -------------------------------------------------------------------------------

  function fillDepartmentSelect() {
    var select = $("ticket-dept");
    var previous = select.value;
    clear(select);
    select.appendChild(el("option", { text: t("tickets.anyDepartment"), attrs: { value: "" } }));
    myDepartments().forEach(function (key) {
      select.appendChild(el("option", { text: deptName(key), attrs: { value: key } }));
    });
    select.value = previous && myDepartments().indexOf(previous) >= 0 ? previous : "";
  }

  function searchTickets(event) {
    if (event) { event.preventDefault(); }
    var params = new URLSearchParams();
    var q = $("ticket-q").value.trim();
    if (q) { params.set("q", q); }
    if ($("ticket-status").value) { params.set("status", $("ticket-status").value); }
    if ($("ticket-dept").value) { params.set("department", $("ticket-dept").value); }
    var query = params.toString();
    $("ticket-count").textContent = t("tickets.searching");
    return api("GET", "/tickets" + (query ? "?" + query : "")).then(function (data) {
      state.tickets = data.tickets;
      renderTickets();
    }).catch(function (error) {
      if (error.status === 401) { return; }
      $("ticket-count").textContent = "";
      showBanner(errorText(error));
    });
  }

  function renderTickets() {
    var body = $("ticket-rows");
    clear(body);
    var tickets = state.tickets;
    if (!state.agent) { return; }
    $("ticket-count").textContent = tickets.length
      ? t("tickets.count", { n: tickets.length })
      : t("tickets.none");
    tickets.forEach(function (ticket, index) {
      var selectId = "ticket-status-" + index;
      var select = el("select", { attrs: { id: selectId } }, TICKET_STATUSES.map(function (status) {
        return el("option", { text: t("ticket." + status), attrs: { value: status } });
      }));
      select.value = ticket.status;
      var update = el("button", {
        className: "btn btn-small",
        text: t("tickets.update"),
        attrs: { type: "button", "aria-label": t("tickets.updateLabel", { ticket: ticket.id }) }
      });
      update.addEventListener("click", function () { updateTicket(ticket, select, update); });
      var actions = [update];
      if (ticket.conversation_id) {
        var open = el("button", {
          className: "btn btn-small btn-ghost",
          text: t("tickets.openChat"),
          attrs: { type: "button", "aria-label": t("tickets.openChatLabel", { ticket: ticket.id }) }
        });
        open.addEventListener("click", function () { openConversation(ticket.conversation_id); });
        actions.push(open);
      }
      var contact = [ticket.contact_email, ticket.contact_phone].filter(Boolean).join(" · ");
      body.appendChild(el("tr", { data: { ticket: ticket.id } }, [
        el("td", { className: "mono", text: ticket.id }),
        el("td", { className: "ticket-subject" }, [
          el("span", { text: ticket.subject }),
          ticket.order_id ? el("span", { className: "muted small mono block", text: ticket.order_id }) : null
        ]),
        el("td", { text: deptName(ticket.department) }),
        el("td", { className: "small", text: contact || t("details.none") }),
        el("td", { className: "small" }, [timeEl(ticket.updated_at, true)]),
        el("td", {}, [
          el("label", { className: "visually-hidden", text: t("tickets.statusOf", { ticket: ticket.id }), attrs: { for: selectId } }),
          el("span", { className: "badge badge-ticket-" + ticket.status, text: label("ticket.", ticket.status) }),
          " ",
          select
        ]),
        el("td", { className: "row-actions" }, actions)
      ]));
    });
  }

  function updateTicket(ticket, select, button) {
    var status = select.value;
    busy(button, true);
    hideBanner();
    api("PATCH", "/tickets/" + encodeURIComponent(ticket.id), { status: status }).then(function (updated) {
      state.tickets = state.tickets.map(function (item) { return item.id === updated.id ? updated : item; });
      renderTickets();
      document.querySelectorAll("#ticket-rows tr").forEach(function (row) {
        if (row.dataset.ticket === updated.id) { row.querySelector("select").focus(); }
      });
      announce(t("tickets.updated", { ticket: updated.id, status: label("ticket.", updated.status) }));
      if (state.current && state.current.ticket.id === updated.id) { loadConversation(); }
    }).catch(function (error) {
      if (error.status === 401) { return; }
      select.value = ticket.status;
      showBanner(errorText(error));
    }).then(function () { busy(button, false); });
  }

  // -- start ---------------------------------------------------------------------------------

  function init() {
    state.lang = initialLanguage();
    applyLanguage();
    $("language").addEventListener("change", function (event) { setLanguage(event.target.value); });
    $("login-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("change-password").addEventListener("click", openPasswordView);
    $("password-form").addEventListener("submit", changePassword);
    $("password-cancel").addEventListener("click", closePasswordView);
    $("banner-close").addEventListener("click", hideBanner);
    document.querySelectorAll("#nav .tab").forEach(function (tab) {
      tab.addEventListener("click", function () { showView(tab.dataset.view, true); });
    });
    $("queue-refresh").addEventListener("click", function () {
      loadQueue();
      if (state.currentId) { loadConversation(); }
    });
    $("claim").addEventListener("click", claim);
    $("transfer").addEventListener("click", transfer);
    $("resolve").addEventListener("click", resolve);
    $("reply-form").addEventListener("submit", sendReply);
    $("reply-text").addEventListener("keydown", replyKeydown);
    $("note-form").addEventListener("submit", addNote);
    $("ticket-search").addEventListener("submit", searchTickets);

    var saved = null;
    try { saved = window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { saved = null; }
    if (!saved) { $("username").focus(); return; }
    state.token = saved;
    api("GET", "/me").then(startSession).catch(function (error) {
      if (state.token) { endSession(error.status === 401 ? "auth.expired" : null); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
