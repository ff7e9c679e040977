"""Fill the zh_CN catalogue from the dictionary below; run by scripts/i18n.sh.

Usage: python scripts/translate_zh.py crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po

The dictionary is the source of the Chinese text: every msgid of the catalogue must be in
it (the script lists the missing ones and fails), every %(name)s placeholder must be kept,
and no entry is left fuzzy. Words follow the trade's usage (会展/展台搭建行业用语):
公司, 展会, 参展商, 特装, 标摊, 光地, 国家展团, 展馆, 展厅 (a hall of a venue), 展位,
展览同行, 行业媒体, 重点客户, 负责人.
"""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")

ZH: dict[str, str] = {
    # --- Sign in, account, tokens -------------------------------------------------------
    "Sign in": "登录",
    "Sign out": "退出",
    "User name": "用户名",
    "Password": "密码",
    "Wrong user name or password.": "用户名或密码错误。",
    "Wrong password.": "密码错误。",
    "Too many failed attempts. The account is locked until %(time)s.":
        "登录失败次数过多，账号已锁定至 %(time)s。",
    "This account is inactive: it cannot sign in.": "该账号已停用，无法登录。",
    "My account": "我的账号",
    "Change password": "修改密码",
    "Current password": "当前密码",
    "New password": "新密码",
    "Password changed.": "密码已修改。",
    "At least 8 characters.": "至少 8 个字符。",
    "API tokens": "API 令牌",
    "Token name": "令牌名称",
    "Create token": "创建令牌",
    "Revoke": "吊销",
    "Token revoked.": "令牌已吊销。",
    "No tokens yet.": "暂无令牌。",
    "No such token.": "令牌不存在。",
    "Copy this token now; it is not shown again:": "请立即复制此令牌，它不会再次显示：",
    "Use it as": "使用方式：",
    "Send an API token in the header Authorization: Bearer <token>.":
        "请在请求头中携带 API 令牌：Authorization: Bearer <token>。",
    "The API token is unknown or revoked, or its user is inactive.":
        "API 令牌无效或已吊销，或其所属用户已停用。",
    "Language": "语言",
    "Unknown language.": "不支持的语言。",
    "Hello, %(name)s": "%(name)s，您好",
    "Start": "首页",
    "Back to the start page": "返回首页",

    # --- Roles, users, departments (admin) ----------------------------------------------
    "Telesales": "电话销售",
    "Market-expansion supervisor": "市场拓展部主管",
    "Executor": "业务执行人员",
    "Execution supervisor": "业务执行部主管",
    "Designer": "设计师",
    "Finance": "财务",
    "General manager": "总经理",
    "Administrator": "系统管理员",
    "Admin": "系统管理",
    "Accounts, roles, passwords and locked accounts.": "账号、角色、密码及被锁定的账号。",
    "Users": "用户",
    "User": "用户",
    "New user": "新建用户",
    "No users yet.": "暂无用户。",
    "No such user.": "用户不存在。",
    "User %(name)s created.": "已创建用户 %(name)s。",
    "User saved.": "用户已保存。",
    "Display name": "显示名称",
    "Give the name shown to colleagues.": "请填写同事看到的名称。",
    "Give a user name.": "请填写用户名。",
    "Role": "角色",
    "Unknown role.": "未知角色。",
    "Department": "部门",
    "Departments": "部门",
    "New department": "新建部门",
    "Department saved.": "部门已保存。",
    "No departments yet.": "暂无部门。",
    "No such department.": "部门不存在。",
    "The code %(code)s already belongs to the department %(name)s.":
        "代码 %(code)s 已被部门 %(name)s 使用。",
    "Initial password": "初始密码",
    "Set password": "设置密码",
    "Reset password": "重置密码",
    "At least 8 characters. The user can change it under My account.":
        "至少 8 个字符。用户可在“我的账号”中自行修改。",
    "At least 8 characters. It ends the user's open sessions.":
        "至少 8 个字符。保存后该用户已登录的会话将全部失效。",
    "Password changed. Tell the user in person, not by e-mail.":
        "密码已修改。请当面告知用户，不要通过邮件发送。",
    "Active": "启用",
    "Inactive": "停用",
    "Active (may sign in)": "启用（可登录）",
    "Active (offered in forms)": "启用（在表单中可选）",
    "Deactivate": "停用",
    "Deactivate %(name)s": "停用 %(name)s",
    "The account stays with its history but can no longer sign in.":
        "账号及其历史记录会保留，但将无法再登录。",
    "%(name)s can no longer sign in.": "%(name)s 已无法登录。",
    "%(name)s may sign in again.": "%(name)s 可以重新登录了。",
    "You cannot deactivate your own account.": "不能停用自己的账号。",
    "You cannot change your own role; ask another administrator.":
        "不能修改自己的角色，请联系其他系统管理员。",
    "Unlock": "解锁",
    "Locked until %(time)s": "锁定至 %(time)s",
    "Locked after failed sign-ins until %(time)s.": "因多次登录失败，已锁定至 %(time)s。",
    "Last sign-in": "最近登录",
    "never": "从未",
    "State": "状态",
    "Status": "状态",
    "The user name %(username)s is already taken by %(name)s (#%(id)s).":
        "用户名 %(username)s 已被 %(name)s（#%(id)s）使用。",
    "Use at most 60 letters, digits and . _ - @ (no spaces).":
        "最多 60 个字符，只能用字母、数字和 . _ - @（不含空格）。",
    "Use at most 40 letters, digits and . _ - (no spaces).":
        "最多 40 个字符，只能用字母、数字和 . _ -（不含空格）。",
    "Use at most 40 characters without spaces.": "最多 40 个字符，不含空格。",
    "Your role may not do this.": "您的角色无权执行此操作。",
    "Your role may not choose a company's owner.": "您的角色无权指定公司负责人。",
    "Staff": "员工人数",

    # --- Industries and settings --------------------------------------------------------
    "Industries": "行业",
    "Industry": "行业",
    "New industry": "新建行业",
    "Industry saved.": "行业已保存。",
    "No industries yet.": "暂无行业。",
    "No such industry.": "行业不存在。",
    "All industries": "全部行业",
    "Parent industry": "上级行业",
    "Main industries": "主要行业",
    "The industry list offered when filing companies and shows.":
        "录入公司和展会时可选的行业列表。",
    "An industry cannot be its own parent.": "行业不能以自身为上级行业。",
    "That industry is below this one; the tree would loop.":
        "所选行业是本行业的下级，会形成循环。",
    "Deactivate its sub-industries first: %(names)s.": "请先停用其下级行业：%(names)s。",
    "The code %(code)s already belongs to the industry %(name)s.":
        "代码 %(code)s 已被行业 %(name)s 使用。",
    "The industry %(name)s already exists (code %(code)s).":
        "行业 %(name)s 已存在（代码 %(code)s）。",
    "%(name)s is no longer offered.": "%(name)s 已停用，不再可选。",
    "Code": "代码",
    "Give a code.": "请填写代码。",
    "Sort order": "排序",
    "Unknown setting.": "未知设置项。",
    "Enter a number.": "请输入数字。",

    # --- Audit log ----------------------------------------------------------------------
    "Audit log": "操作日志",
    "Change history": "修改记录",
    "No changes recorded.": "暂无修改记录。",
    "Who changed which record, when, from what to what.":
        "谁在何时修改了哪条记录，从什么改成了什么。",
    "When": "时间",
    "Who": "操作人",
    "What": "操作",
    "Record": "记录",
    "Record type": "记录类型",
    "Record id": "记录编号",
    "Before": "修改前",
    "After": "修改后",
    "Action": "操作",
    "system": "系统",
    "From (date)": "起始日期",
    "To (date)": "截止日期",
    "Dates are days in %(tz)s.": "日期按 %(tz)s 时区计算。",
    "No such record.": "记录不存在。",

    # --- Companies ----------------------------------------------------------------------
    "Companies": "公司",
    "Company": "公司",
    "New company": "新建公司",
    "Company saved.": "公司已保存。",
    "No company matches.": "没有匹配的公司。",
    "No such company.": "公司不存在。",
    "Find a company: Chinese or English name, pinyin, phone":
        "查找公司：中文名、英文名、拼音或电话",
    "Name, pinyin or phone": "名称、拼音或电话",
    "%(n)s companies assigned to me": "分配给我的公司：%(n)s 家",
    "My clients": "我的客户",
    "Chinese name": "中文名称",
    "English name": "英文名称",
    "Give the Chinese name.": "请填写中文名称。",
    "Give the Chinese or the English name.": "请填写中文名称或英文名称。",
    "Names seen": "曾用名及别名",
    "Other name": "其他名称",
    "Add another name": "添加其他名称",
    "Name added.": "名称已添加。",
    "Give the other name (at most 300 characters).": "请填写其他名称（最多 300 个字符）。",
    "Unified social credit code": "统一社会信用代码",
    "Not a valid unified social credit code (check digit).":
        "统一社会信用代码无效（校验位不符）。",
    "Credit code %(code)s already belongs to %(name)s (#%(id)s).":
        "统一社会信用代码 %(code)s 已属于 %(name)s（#%(id)s）。",
    "Code %(code)s already belongs to %(name)s (#%(id)s).":
        "代码 %(code)s 已属于 %(name)s（#%(id)s）。",
    "Kind": "类别",
    "Kinds": "类别",
    "All kinds": "全部类别",
    "Unknown kind.": "未知类别。",
    "Exhibitor": "参展商",
    "Organizer": "主办方",
    "Competitor": "展览同行",
    "Agent / trading company": "代理商/贸易公司",
    "Media": "行业媒体",
    "Venue operator": "展馆运营方",
    "Pavilion organizer": "展团组织方",
    "Key client": "重点客户",
    "Key clients": "重点客户",
    "Key clients only": "仅重点客户",
    "Not key clients": "非重点客户",
    "Key clients and others": "重点客户及其他",
    "Key": "重点",
    "Owner": "负责人",
    "Any owner": "全部负责人",
    "Mine": "我的",
    "Unassigned": "未分配",
    "Annual revenue (CNY)": "年营业额（元）",
    "Address": "地址",
    "Country": "国家",
    "Country (ISO code)": "国家（ISO 代码）",
    "Use a two-letter country code such as CN.": "请使用两位字母的国家代码，如 CN。",
    "Province": "省份",
    "City": "城市",
    "Region": "地区",
    "Location": "所在地",
    "Website": "网站",
    "Not a web address.": "不是有效的网址。",
    "Phones": "电话",
    "Phones (one per line)": "电话（每行一个）",
    "E-mails": "邮箱",
    "E-mails (one per line)": "邮箱（每行一个）",
    "Not a phone number.": "不是有效的电话号码。",
    "Not a phone number: %(value)s": "不是有效的电话号码：%(value)s",
    "Not an e-mail address.": "不是有效的邮箱地址。",
    "Not an e-mail address: %(value)s": "不是有效的邮箱地址：%(value)s",
    "Notes": "备注",
    "Source": "来源",
    "Company page: contacts, phones, shows": "公司主页：联系人、电话、参展记录",
    "Shows and booths": "参展及展位",
    "This company was merged into another one; choose that one.":
        "该公司已合并到另一家公司，请选择合并后的公司。",
    "%(name)s is still linked to other records (a show it organises, a booth it built, a company merged into it …). Remove those links first.":
        "%(name)s 仍与其他记录关联（主办的展会、搭建的展位、并入它的公司等），请先解除这些关联。",

    # --- Merges and imports -------------------------------------------------------------
    "A company cannot be merged into itself.": "公司不能合并到自身。",
    "%(name)s was already merged into #%(id)s.": "%(name)s 已合并到 #%(id)s。",
    "A later merge (#%(id)s) involves these companies; undo it first.":
        "之后的一次合并（#%(id)s）涉及这些公司，请先撤销那次合并。",
    "This merge was already undone.": "该合并已撤销。",
    "No such merge.": "合并记录不存在。",
    "Choose merge or different.": "请选择“合并”或“不是同一家”。",
    "Choose two different companies.": "请选择两家不同的公司。",
    "Keep one of the two companies.": "请保留两家公司中的一家。",
    "This pair was decided already.": "这两家公司已经处理过了。",
    "No such review item.": "待审核条目不存在。",
    "No such import.": "导入记录不存在。",
    "This import is still running.": "该导入仍在进行中。",
    "This import was already reverted.": "该导入已撤销。",
    "Nothing was imported: the file has errors and all-or-nothing was asked for.":
        "未导入任何数据：文件有错误，且已选择“全部成功才导入”。",
    "The database already holds %(count)s companies. Demo data goes only into an empty database; reset it to replace everything.":
        "数据库中已有 %(count)s 家公司。演示数据只能导入空数据库；如需全部替换，请先重置数据库。",

    # --- Import pages -------------------------------------------------------------------
    "Imports": "数据导入",
    "All imports": "全部导入记录",
    "No imports yet.": "暂无导入记录。",
    "Import a file": "导入文件",
    "Import #%(id)s": "导入 #%(id)s",
    "Import": "导入",
    "Importing": "正在导入",
    "Upload": "上传",
    "File": "文件",
    "File (.xlsx, .xls or .csv)": "文件（.xlsx、.xls 或 .csv）",
    "What is in the file": "文件内容",
    "Show catalogue (exhibitors)": "展会会刊（参展商）",
    "Business cards": "名片",
    "Sheet": "工作表",
    "Map the columns": "对应列",
    "Map the columns of %(file)s": "对应 %(file)s 的列",
    "Which column holds what": "各列的内容",
    "Change the mapping": "修改列对应",
    "Start again": "重新开始",
    "Preview": "预览",
    "Preview of %(file)s": "%(file)s 预览",
    "The first %(n)s rows are shown.": "仅显示前 %(n)s 行。",
    "Row": "行",
    "Rows": "行数",
    "What will happen": "处理方式",
    "Name the show and its year.": "请填写展会名称及年份。",
    "Sheet %(sheet)s: header found in row %(row)s; data starts in row %(first)s.":
        "工作表 %(sheet)s：表头在第 %(row)s 行，数据从第 %(first)s 行开始。",
    "%(file)s: choose the column that holds the company name.": "%(file)s：请选择公司名称所在的列。",
    "%(file)s: not a spreadsheet; upload an .xlsx, .xls or .csv file.":
        "%(file)s：不是电子表格，请上传 .xlsx、.xls 或 .csv 文件。",
    "The file is too large: at most %(mb)s MB may be uploaded.": "文件太大：最多可上传 %(mb)s MB。",
    "This file was imported before (import #%(id)s); importing it again changes nothing it already brought in.":
        "该文件已导入过（导入 #%(id)s）；再次导入不会改动之前已导入的内容。",
    "See that import": "查看那次导入",
    "Importing %(file)s: %(done)s of %(total)s rows.": "正在导入 %(file)s：已完成 %(done)s / %(total)s 行。",
    "You may leave this page; the import goes on.": "您可以离开此页面，导入会继续进行。",
    "%(rows)s rows: %(created)s new, %(linked)s linked, %(review)s to review, %(errors)s errors.":
        "共 %(rows)s 行：新增 %(created)s，关联 %(linked)s，待审核 %(review)s，错误 %(errors)s。",
    "The import failed: %(message)s": "导入失败：%(message)s",
    "Error in column %(column)s: %(message)s": "%(column)s 列有误：%(message)s",
    "Errors": "错误",
    "Linked": "已关联",
    "New companies": "新增公司",
    "Linked to known companies": "关联到已有公司",
    "Download the report (CSV)": "下载报告（CSV）",
    "Download the rejected rows (Excel)": "下载未导入的行（Excel）",
    "Revert this import": "撤销本次导入",
    "Revert this import? Everything it added will be removed.":
        "确定撤销本次导入吗？本次导入添加的所有内容都将被删除。",
    "Import reverted: %(removed)s companies removed, %(kept)s kept, %(facts)s facts removed.":
        "导入已撤销：删除公司 %(removed)s 家，保留 %(kept)s 家，删除信息 %(facts)s 条。",
    "Reverted %(when)s": "已于 %(when)s 撤销",
    "Linked to %(name)s": "已关联到 %(name)s",
    "Needs review against %(name)s (score %(score)s)": "需与 %(name)s 比对审核（得分 %(score)s）",

    # --- Duplicate review and merges ----------------------------------------------------
    "Review": "待审核",
    "Review queue": "待审核队列",
    "Review the pairs": "审核疑似重复",
    "Back to the queue": "返回审核队列",
    "Nothing to review.": "没有待审核的内容。",
    "Pairs of companies that may be one. Compare them, then merge or mark them as different.":
        "以下是可能为同一家的公司。请比对后合并，或标记为不同公司。",
    "Score": "匹配得分",
    "May be the same as": "可能与之相同",
    "Compare": "比对",
    "Compare two companies": "比对两家公司",
    "Are these the same company?": "这是同一家公司吗？",
    "Evidence": "匹配依据",
    "No evidence recorded.": "暂无匹配依据。",
    "Credit code": "信用代码",
    "Other names": "其他名称",
    "Booths": "展位",
    "Merge, keeping this one": "合并，保留这一家",
    "Merge the other company into this one?": "确定将另一家公司合并到这一家吗？",
    "These are different companies": "这是不同的公司",
    "Marked as different companies; they will not be proposed again.":
        "已标记为不同公司，今后不会再提示。",
    "Merged: %(name)s now holds both companies' facts.": "已合并：%(name)s 现包含两家公司的全部信息。",
    "Merged from": "合并来源",
    "Undo": "撤销",
    "Undo this merge?": "确定撤销这次合并吗？",
    "undone %(when)s": "已于 %(when)s 撤销",
    "The merge was undone: %(name)s is a company of its own again.":
        "合并已撤销：%(name)s 重新成为独立的公司。",

    # --- Contacts -----------------------------------------------------------------------
    "Contacts": "联系人",
    "New contact": "新建联系人",
    "Add contact": "添加联系人",
    "Contact saved.": "联系人已保存。",
    "Contact deleted.": "联系人已删除。",
    "Delete this contact?": "确定删除该联系人吗？",
    "No contacts yet.": "暂无联系人。",
    "No contact matches.": "没有匹配的联系人。",
    "No such contact.": "联系人不存在。",
    "Name, phone or e-mail": "姓名、电话或邮箱",
    "Name": "名称",
    "Title": "职务",
    "Mobile": "手机",
    "Landline": "座机",
    "E-mail": "邮箱",
    "WeChat": "微信",
    "Extension after 转, e.g. 021-12345678 转 808": "分机号写在“转”之后，如 021-12345678 转 808",
    "This is a landline; enter it under landline.": "这是座机号码，请填在“座机”一栏。",
    "This company already has a contact with this e-mail: %(name)s (#%(id)s).":
        "该公司已有使用此邮箱的联系人：%(name)s（#%(id)s）。",
    "This company already has a contact with this mobile number: %(name)s (#%(id)s).":
        "该公司已有使用此手机号的联系人：%(name)s（#%(id)s）。",

    # --- Shows and exhibitors -----------------------------------------------------------
    "Shows": "展会",
    "Show": "展会",
    "New show": "新建展会",
    "Show name": "展会名称",
    "Show saved.": "展会已保存。",
    "No shows yet.": "暂无展会。",
    "No shows recorded.": "暂无展会记录。",
    "No show matches.": "没有匹配的展会。",
    "No such show.": "展会不存在。",
    "All shows": "全部展会",
    "Organizing body": "主办单位",
    "Contacts at the organizing body": "主办单位联系人",
    "Dates": "日期",
    "Opens on": "开幕日期",
    "Closes on": "闭幕日期",
    "The show cannot end before it starts.": "展会闭幕日期不能早于开幕日期。",
    "Year": "年份",
    "All years": "全部年份",
    "Taken from the opening date when left empty.": "留空时取开幕日期的年份。",
    "Value": "价值",
    "Value rating": "价值评级",
    "Why this rating": "评级理由",
    "This show already exists for %(year)s: %(name)s (#%(id)s).":
        "%(year)s 年的该展会已存在：%(name)s（#%(id)s）。",
    "Exhibitors": "参展商",
    "Add exhibitor": "添加参展商",
    "Edit exhibitor": "编辑参展商",
    "Exhibitor saved.": "参展商已保存。",
    "Exhibitor removed from this show.": "已将该参展商从本展会移除。",
    "Remove from this show": "从本展会移除",
    "Remove this exhibitor from the show?": "确定将该参展商从本展会移除吗？",
    "No exhibitor matches.": "没有匹配的参展商。",
    "No such participation.": "参展记录不存在。",
    "%(name)s is already listed at this show with booth %(booth)s (participation #%(id)s).":
        "%(name)s 已在本展会登记，展位号 %(booth)s（参展记录 #%(id)s）。",
    "Booth": "展位",
    "Booth type": "展位类型",
    "All booth types": "全部展位类型",
    "Special build": "特装",
    "Standard booth": "标摊",
    "Raw space": "光地",
    "Area m²": "面积（m²）",
    "Booth builder": "搭建商",
    "Builder": "搭建商",
    "Booths built": "搭建的展位",
    "No booths recorded.": "暂无展位记录。",
    "The exhibitor cannot be its own booth builder.": "参展商不能是自己的搭建商。",
    "Origin": "展商来源",
    "All origins": "全部来源",
    "Domestic": "国内",
    "Foreign": "国外",
    "Agent": "代理",

    # --- Pavilions ----------------------------------------------------------------------
    "Pavilion": "国家展团",
    "Pavilions": "国家展团",
    "Country pavilion": "国家展团",
    "Country pavilions": "国家展团",
    "New pavilion": "新建国家展团",
    "Pavilion name": "展团名称",
    "Pavilion type": "展团类型",
    "Pavilion saved.": "国家展团已保存。",
    "All pavilions": "全部国家展团",
    "No pavilion matches.": "没有匹配的国家展团。",
    "No such pavilion.": "国家展团不存在。",
    "No exhibitors recorded in this pavilion.": "该展团暂无参展商记录。",
    "Exhibitors by show": "各届展会参展商",
    "This pavilion already exists: %(name)s (#%(id)s).": "该国家展团已存在：%(name)s（#%(id)s）。",

    # --- Venues and halls ---------------------------------------------------------------
    "Venue": "展馆",
    "Venues": "展馆",
    "New venue": "新建展馆",
    "Venue saved.": "展馆已保存。",
    "Venue name or code": "展馆名称或代码",
    "No venue matches.": "没有匹配的展馆。",
    "No such venue.": "展馆不存在。",
    "This venue already exists: %(name)s (#%(id)s).": "该展馆已存在：%(name)s（#%(id)s）。",
    "Operator": "运营方",
    "Indoor area m²": "室内面积（m²）",
    "Shows held here": "在此举办的展会",
    "No shows recorded here.": "暂无在此举办的展会记录。",
    "Hall": "展厅",
    "Halls": "展厅",
    "All halls": "全部展厅",
    "Add hall": "添加展厅",
    "Edit hall %(name)s": "编辑展厅 %(name)s",
    "Hall saved.": "展厅已保存。",
    "Hall deleted.": "展厅已删除。",
    "Delete this hall?": "确定删除该展厅吗？",
    "No halls recorded.": "暂无展厅记录。",
    "No such hall.": "展厅不存在。",
    "This venue already has a hall named %(name)s (#%(id)s).":
        "该展馆已有名为 %(name)s 的展厅（#%(id)s）。",
    "Clear height m": "净高（m）",
    "Floor load t/m²": "地面承重（t/m²）",
    "Column grid": "柱网",
    "Doors": "货运门",
    "Power": "电力",
    "Rigging": "吊点",

    # --- Competitors and media ----------------------------------------------------------
    "Competitors": "展览同行",
    "New competitor": "新建展览同行",
    "Competitor saved.": "展览同行已保存。",
    "Competitor profile": "同行档案",
    "Competitor profile saved.": "同行档案已保存。",
    "No competitor matches.": "没有匹配的展览同行。",
    "No such competitor.": "展览同行不存在。",
    "Scale": "规模",
    "Any scale": "全部规模",
    "Small": "小型",
    "Medium": "中型",
    "Large": "大型",
    "Main business": "主营业务",
    "Workshop": "加工厂",
    "Strengths": "优势",
    "New media company": "新建行业媒体",
    "Media company saved.": "行业媒体已保存。",
    "Media profile": "媒体档案",
    "Media profile saved.": "媒体档案已保存。",
    "No media company matches.": "没有匹配的行业媒体。",
    "No such media company.": "行业媒体不存在。",
    "Type": "类型",
    "Any type": "全部类型",
    "Magazine": "杂志",
    "Newspaper": "报纸",
    "Video channel": "视频号",
    "Association bulletin": "协会会刊",
    "Other": "其他",
    "Circulation": "发行量",
    "WeChat account": "微信公众号",
    "Advertising rates": "广告报价",
    "Cooperation": "合作情况",
    "No profile yet.": "暂无档案。",
    "Edit profile": "编辑档案",

    # --- Telesales calls and call lists -------------------------------------------------
    "No such call.": "通话记录不存在。",
    "This call is not claimed; claim it first.": "该电话尚未领取，请先领取。",
    "Someone else holds this call now.": "该电话已被其他人领取。",
    "Your claim on this call expired. Claim the next call to go on.":
        "您对该电话的领取已过期，请领取下一个电话继续。",
    "Your claim on this call expired; it was claimed again since.":
        "您对该电话的领取已过期，且已被他人重新领取。",
    "This call's outcome was already recorded.": "该电话的通话结果已登记。",
    "The call queue is busy. Please try again.": "拨打队列繁忙，请稍后重试。",
    "Unknown call outcome: %(code)s.": "未知的通话结果：%(code)s。",
    "This contact is not at the company called.": "该联系人不属于所拨打的公司。",
    "This number is not the company's.": "该号码不属于这家公司。",
    "The company has several numbers: say which one was wrong.":
        "该公司有多个号码，请指明哪个号码有误。",
    "Give the time to call back.": "请填写回拨时间。",
    "The time to call back must be in the future.": "回拨时间必须晚于现在。",
    "The time to call back must be within a year.": "回拨时间必须在一年以内。",
    "Give the time with its time zone.": "请填写带时区的时间。",
    "Give a label of at most 60 characters.": "请填写名称，最多 60 个字符。",
    "Pick one of the buckets.": "请选择一个结果分类。",
    "At most 5 characters.": "最多 5 个字符。",
    "Between 1 and 10080 minutes.": "请填写 1 到 10080 分钟。",
    "Codes are kept by past calls and cannot change.": "代码已被以往的通话记录使用，不能修改。",
    "Another outcome has this code.": "已有其他通话结果使用此代码。",
    "Another active outcome uses this key.": "已有其他启用的通话结果使用此快捷键。",
    "Use 2–40 lower-case letters, digits and underscores.":
        "请使用 2–40 个小写字母、数字或下划线。",
    "No such call list.": "外呼名单不存在。",
    "Give the list a name of at most 200 characters.": "请填写名单名称，最多 200 个字符。",
    "Give the list to an active telesales person, or to the shared pool.":
        "请将名单分给在职的电话销售人员，或放入公共池。",
    "Between 1 and 200000 companies.": "请填写 1 到 200000 家公司。",
    "Between 0 and 3650 days.": "请填写 0 到 3650 天。",
    "Enter a number of square metres.": "请填写面积（平方米）。",
    "The largest area is below the smallest.": "最大面积小于最小面积。",
    "Unknown booth type.": "未知的展位类型。",
    "Pick domestic, foreign or agent.": "请选择国内、国外或代理。",
    "Use each of show_date, area, special_build, key_client and callback_due at most once.":
        "show_date、area、special_build、key_client 和 callback_due 每项最多使用一次。",

    "This mailing is someone else's.": "该寄发资料任务属于其他人。",
    "This mailing is not open.": "该寄发资料任务不是待处理状态。",
    "Pick post, courier, e-mail or WeChat.": "请选择邮寄、快递、邮件或微信。",
    "At most 60 characters.": "最多 60 个字符。",

    # --- Leads, assignment rules, attribution -------------------------------------------
    "No such lead.": "线索不存在。",
    "This lead is closed.": "该线索已关闭。",
    "This lead is not assigned to you.": "该线索未分配给您。",
    "This lead is not with you.": "该线索不在您名下。",
    "This lead is not waiting for acceptance.": "该线索不在待接收状态。",
    "The time to accept this lead has passed; it returns to the supervisor.":
        "该线索的接收时限已过，已退回主管。",
    "Someone else changed this lead. Reload it and try again.":
        "其他人已修改了该线索，请刷新后重试。",
    "Unknown lead source.": "未知的线索来源。",
    "Pick self-developed, inbound, referral or other channel.":
        "请选择自主开发、客户来电咨询、转介绍或其他渠道。",
    "Pick a reason.": "请选择原因。",
    "Give the date of the next step.": "请填写下一步跟进日期。",
    "This conflict was decided already.": "该归属冲突已处理。",
    "Pick keep, reassign or dismiss.": "请选择保留、改派或驳回。",
    "The lead or the requester is gone; keep or dismiss instead.":
        "线索或申请人已不存在，请选择保留或驳回。",
    "%(name)s is not an executor; leads go to executors only.":
        "%(name)s 不是业务执行人员，线索只能分配给业务执行人员。",
    "%(name)s's account is inactive.": "%(name)s 的账号已停用。",
    "%(name)s is absent until %(until)s.": "%(name)s 在 %(until)s 之前不在岗。",
    "%(name)s has had %(count)s leads today, the daily cap.":
        "%(name)s 今天已分配 %(count)s 条线索，已达每日上限。",
    "Between 0 and 1000.": "请填写 0 到 1000。",
    "The last day is before the first.": "结束日期早于开始日期。",
    "Give a name of at most 100 characters.": "请填写名称，最多 100 个字符。",
    "Pick a rule kind.": "请选择规则类型。",
    "Give a list of ids.": "请填写编号列表。",
    "Pick at least one.": "请至少选择一项。",
    "Only executors can be picked.": "只能选择业务执行人员。",
    "Pick the executors this rule hands leads to.": "请选择按此规则接收线索的业务执行人员。",
    "No such attribution.": "客户归属记录不存在。",
    "Only an executor's contact decides new or old.": "只有业务执行人员的接触才决定新老客户。",
    "A first contact is a call, a visit or an e-mail.": "首次接触须为电话、拜访或邮件。",
    "Only the general manager may change a new/old classification.":
        "只有总经理可以修改新老客户认定。",
    "Give the reason for the change.": "请填写修改原因。",
    "Pick contract, project or other.": "请选择合同、项目或其他。",
    "Give the date.": "请填写日期。",
    "Enter an amount.": "请填写金额。",
    "Pick new or old.": "请选择新客户或老客户。",
    "Not a valid year.": "不是有效的年份。",
    "At most %(max)s characters.": "最多 %(max)s 个字符。",
    "At most 2000 characters.": "最多 2000 个字符。",

    # --- Crawl sources ------------------------------------------------------------------
    "No crawl source %(name)s.": "采集源 %(name)s 不存在。",
    "A source named %(name)s already exists.": "名为 %(name)s 的采集源已存在。",
    "The source %(name)s has %(count)s errors.": "采集源 %(name)s 有 %(count)s 处错误。",
    "Someone else saved this source while you were editing it. Reload it and apply your change again.":
        "在您编辑期间，其他人已保存了该采集源。请刷新后重新修改。",
    "a source name is 2–61 lower-case letters, digits or _, starting with a letter":
        "采集源名称须为 2–61 个小写字母、数字或下划线，并以字母开头",
    "No such crawl run.": "采集任务不存在。",
    "This crawl run has already started.": "该采集任务已开始运行。",
    "No venue %(name)s in the venue list; add it (or fix the source's venue) before crawling its calendar.":
        "展馆列表中没有 %(name)s。请先添加该展馆（或修正采集源中的展馆），再采集其展会排期。",

    # --- Crawls (pages) -----------------------------------------------------------------
    "Crawls": "数据采集",
    "Crawl sources": "采集源",
    "All sources": "全部采集源",
    "New source": "新建采集源",
    "New crawl source": "新建采集源",
    "Edit source %(name)s": "编辑采集源 %(name)s",
    "Source (YAML)": "采集源（YAML）",
    "Source %(name)s saved.": "采集源 %(name)s 已保存。",
    "Check and save": "检查并保存",
    "Each source is a YAML file: where a site lists exhibitors, shows or news, and how to read them.":
        "每个采集源是一个 YAML 文件，说明网站在哪里列出参展商、展会或新闻，以及如何读取。",
    "The file name, also the name of its spider: e.g. cantonfair_2026":
        "文件名，同时也是爬虫的名称，如 cantonfair_2026",
    "Lower-case letters, digits and _, starting with a letter.":
        "小写字母、数字和下划线，以字母开头。",
    "No crawl source yet. Start one from a template with “New source”.":
        "暂无采集源。点击“新建采集源”从模板开始。",
    "Invalid: %(n)s errors": "无效：%(n)s 处错误",
    "The source file has %(n)s errors; it was not saved.": "采集源文件有 %(n)s 处错误，未保存。",
    "The source %(name)s is invalid; fix it first.": "采集源 %(name)s 无效，请先修正。",
    "Line %(n)s": "第 %(n)s 行",
    "Exhibitor directory": "参展商名录",
    "Organizer's show list": "主办方展会列表",
    "Venue calendar": "展馆排期",
    "Industry news": "行业新闻",
    "Schedule": "运行计划",
    "Last run": "最近运行",
    "Never run": "从未运行",
    "No run yet.": "暂无运行记录。",
    "Run": "运行",
    "Recent runs": "最近的运行记录",
    "Runs of this source": "该采集源的运行记录",
    "Crawl run #%(id)s": "采集任务 #%(id)s",
    "Crawl of %(name)s started.": "已开始采集 %(name)s。",
    "%(name)s is already being crawled (run #%(id)s).": "%(name)s 正在采集中（任务 #%(id)s）。",
    "The crawl could not be started: %(error)s": "无法开始采集：%(error)s",
    "The run could not be started: %(errors)s": "无法启动运行：%(errors)s",
    "At most this many items": "最多采集条目数",
    "Item limit": "条目上限",
    "Bounds reached": "已达上限",
    "Queued": "已排队",
    "Running": "运行中",
    "OK": "成功",
    "Partial": "部分完成",
    "Failed": "失败",
    "Started": "开始时间",
    "Finished": "结束时间",
    "Started by": "发起人",
    "By": "发起人",
    "schedule or command line": "定时任务或命令行",
    "Worker": "执行节点",
    "job": "任务",
    "Report": "报告",
    "Pages fetched": "已抓取页面",
    "%(l)s list, %(d)s detail": "列表页 %(l)s，详情页 %(d)s",
    "Items found": "发现条目",
    "Stored": "已入库",
    "New": "新增",
    "Linked to known records": "关联到已有记录",
    "To review": "待审核",
    "Retries": "重试次数",
    "Time": "耗时",
    "%(s)s s · %(p)s pages/s · %(i)s items/s": "%(s)s 秒 · %(p)s 页/秒 · %(i)s 条/秒",
    "%(pages)s pages · %(items)s items · %(new)s new · %(linked)s linked · %(review)s to review · %(dropped)s dropped":
        "%(pages)s 页 · %(items)s 条 · 新增 %(new)s · 关联 %(linked)s · 待审核 %(review)s · 丢弃 %(dropped)s",
    "Dropped items, by reason": "丢弃的条目（按原因）",
    "Failed pages, by reason": "失败的页面（按原因）",
    "Values left out, by reason": "未采用的字段值（按原因）",
    "Details": "详情",
    "Layout errors": "页面结构错误",
    "Warnings": "警告",
    "Log (last lines)": "日志（最后几行）",

    # --- Common words, forms and errors -------------------------------------------------
    "Add": "添加",
    "Save": "保存",
    "Cancel": "取消",
    "Edit": "编辑",
    "Edit %(name)s": "编辑 %(name)s",
    "Delete": "删除",
    "Search": "搜索",
    "Filter": "筛选",
    "Export to Excel": "导出 Excel",
    "Previous": "上一页",
    "Next": "下一页",
    "Page %(p)s of %(n)s": "第 %(p)s 页，共 %(n)s 页",
    "%(n)s records": "共 %(n)s 条",
    "Type a name, then pick": "输入名称后从列表中选择",
    "Pick an entry from the suggestions.": "请从提示列表中选择一项。",
    "This field is required.": "此项为必填项。",
    "Some fields are invalid.": "部分字段填写有误。",
    "Not a number.": "不是有效的数字。",
    "Not a whole number.": "请输入整数。",
    "Must not be negative.": "不能为负数。",
    "Too small.": "数值太小。",
    "The number is too large.": "数值太大。",
    "Out of range.": "超出允许范围。",
    "Too long.": "内容太长。",
    "At most 100 characters.": "最多 100 个字符。",
    "At most 300 characters.": "最多 300 个字符。",
    "Not one of the allowed values.": "不是允许的取值。",
    "Someone else saved this record while you were editing it. Reload it and apply your change again.":
        "在您编辑期间，其他人已保存了这条记录。请刷新页面后重新修改。",
    "This change clashes with a record saved at the same time (a duplicate or a removed link). Nothing was saved.":
        "此修改与同时保存的另一条记录冲突（重复记录或关联已被删除），未保存任何内容。",
    "The form expired or was not sent from this site. Please try again.":
        "表单已过期或并非从本站提交，请重试。",
    "The form expired. Please try again.": "表单已过期，请重试。",
    "Something went wrong on our side. The error was logged.": "系统出错，错误已记录。",
    "Not allowed": "无权访问",
    "Not found": "未找到",
    "Request refused": "请求被拒绝",
    "Server error": "服务器错误",
    "Business settings": "业务参数",
    "Current value": "当前值",
    "Default": "默认值",
    "Duplicate-matching thresholds and other values the business tunes.": "查重匹配阈值等由业务调整的参数。",
    "Meaning": "含义",
    "Setting": "参数",
    "Setting saved.": "参数已保存。",
    'A lead was opened for assignment.': '已创建线索，等待分配。',
    'A mailing task was created.': '已创建寄发资料任务。',
    'Area (m²)': '面积（㎡）',
    'Back to my current call': '回到当前通话',
    'Call back at': '回电时间',
    'Call recorded.': '通话已记录。',
    'Callbacks due': '到期回电',
    'Calls': '电话',
    'Claimed until %(time)s': '领取至 %(time)s',
    'Do not call this company.': '请勿致电此公司。',
    'Keys: 1–8 record an outcome, N claims the next call.': '快捷键：1–8 记录通话结果，N 领取下一个电话。',
    'List': '清单',
    'Lists': '清单',
    'My call queue': '我的电话队列',
    'My callbacks': '我的回电',
    'Next call': '下一个电话',
    'No call lists for you yet.': '暂无分配给您的电话清单。',
    'No callbacks promised.': '没有约定的回电。',
    'No calls are waiting in your queue.': '您的队列中没有待拨电话。',
    'No calls yet.': '暂无通话记录。',
    'No contacts.': '暂无联系人。',
    'No known booths.': '暂无已知展位。',
    'No open lead.': '没有进行中的线索。',
    'No phone numbers.': '暂无电话号码。',
    'Note': '备注',
    'Open lead': '进行中的线索',
    'Outcome': '通话结果',
    'Past calls': '历史通话',
    'Promised callback at %(time)s': '约定回电时间 %(time)s',
    'Skip for now': '暂时跳过',
    'The call went back to the queue.': '该电话已退回队列。',
    'The company already has an open lead; the supervisor will decide.': '该公司已有进行中的线索，由主管处理。',
    'Waiting in your lists: %(n)s': '清单中待拨：%(n)s',
    'Which number was wrong?': '哪个号码错误？',
    'You do not hold this call now.': '您当前未持有此电话。',
    'shared pool': '共享池',
    'wrong number': '号码错误',
}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def fill(path: Path) -> int:
    """Write the Chinese into the catalogue at `path`; return the number of messages."""
    with path.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    missing, bad = [], []
    count = 0
    for message in catalog:
        if not message.id:
            continue
        count += 1
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        zh = ZH.get(msgid)
        if zh is None:
            missing.append(msgid)
            continue
        # Placeholders are filled after translation: the Chinese must keep every one.
        if "%(" in msgid and placeholders(zh) != placeholders(msgid):
            bad.append(msgid)
        if "%" in zh and "%(" not in msgid and "%%" not in msgid:
            bad.append(msgid)
        # zh_CN has a single plural form.
        message.string = (zh,) * catalog.num_plurals if message.pluralizable else zh
        message.flags.discard("fuzzy")
    catalog.fuzzy = False
    catalog.last_translator = "ExpoLead"
    catalog.language_team = "zh_CN"
    if missing or bad:
        for msgid in missing:
            print(f"no Chinese for: {msgid!r}", file=sys.stderr)
        for msgid in bad:
            print(f"placeholders differ: {msgid!r}", file=sys.stderr)
        return -1
    out = io.BytesIO()
    write_po(out, catalog, width=76, omit_header=False, ignore_obsolete=True)
    if out.getvalue() != path.read_bytes():  # leave an unchanged file alone
        path.write_bytes(out.getvalue())
    unused = set(ZH) - {m.id if isinstance(m.id, str) else m.id[0] for m in catalog}
    if unused:
        print(f"{len(unused)} entries of the dictionary are no longer used", file=sys.stderr)
    return count


if __name__ == "__main__":
    translated = fill(Path(sys.argv[1]))
    if translated < 0:
        sys.exit(1)
    print(f"{translated} messages translated")
