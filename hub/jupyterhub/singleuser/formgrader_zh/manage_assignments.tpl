{#- nbgrader's "Manage Assignments" in Chinese: the first page of the Formgrader panel -#}
{%- extends 'nbgrader/manage_assignments.tpl' -%}

{%- block title -%}
管理作业
{%- endblock -%}

{%- block sidebar -%}
<li role="presentation" class="active"><a href="{{ base_url }}/formgrader/manage_assignments">管理作业</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/gradebook">人工评分</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/manage_students">管理学员</a></li>
{%- endblock -%}

{%- block breadcrumbs -%}
<ol class="breadcrumb">
  <li class="active">作业 / Assignments</li>
</ol>
{%- endblock -%}

{%- block messages -%}
<div class="panel-group" id="accordion" role="tablist" aria-multiselectable="true">
  <div class="panel panel-default">
    <div class="panel-heading" role="tab" id="headingOne">
      <h4 class="panel-title">
        <a class="collapsed" role="button" data-toggle="collapse" data-parent="#accordion" href="#collapseOne" aria-expanded="false" aria-controls="collapseOne">
          使用说明（点击展开）
        </a>
      </h4>
    </div>
    <div id="collapseOne" class="panel-collapse collapse" role="tabpanel" aria-labelledby="headingOne">
      <div class="panel-body">
        <ol>
          <li><b>新建</b>作业：点击下方的 “Add new assignment...”。</li>
          <li><b>编辑作业文件</b>：点击作业名称。</li>
          <li><b>编辑作业信息</b>（如截止时间）：点击编辑按钮。</li>
          <li><b>生成</b>学员版本：点击 Generate 按钮；<b>预览</b>学员版本：点击 Preview 按钮。</li>
          <li><b>发布</b>作业和<b>收取</b>提交在平台的课程页面完成（学员从 JupyterLab 的作业列表获取和提交，
          提交后由平台在沙箱中自动评分），这里的 Release / Collect 按钮只会提示去平台页面。</li>
          <li>点击提交数可查看各学员的提交；<b>人工评分</b>（文字题）请在左侧“人工评分”中进行，
          分数会自动回到平台（见讲师指南）。</li>
        </ol>
      </div>
    </div>
  </div>
</div>
{% if current_config %}
<div class="panel-group" id="config" role="tablist" aria-multiselectable="true">
  <div class="panel panel-default">
    <div class="panel-heading" role="tab" id="headingConfig">
      <h4 class="panel-title">
        <a class="collapsed" role="button" data-toggle="collapse" data-parent="#accordion" href="#collapseConfig" aria-expanded="false" aria-controls="collapseConfig">
          当前配置（点击展开）
        </a>
      </h4>
    </div>
    <div id="collapseConfig" class="panel-collapse collapse" role="tabpanel" aria-labelledby="headingConfig">
      <pre class="panel-body">{{ current_config }}</pre>
    </div>
  </div>
</div>
{% endif %}
{#- nbgrader's warnings about a missing exchange folder do not apply: the exchange is the platform -#}
{% if not course_id %}
<div class="alert alert-warning" id="warning-course-id">
这台服务器没有对应的课程（<code>course_id</code> 未设置）：您还没有任教的已发布课程，或课程发布于服务器启动之后，
请在平台上确认后重启服务器。/ No course is set for this server: publish a course you teach, then restart your server.
</div>
{% endif %}
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>名称</th>
  <th class="text-center">截止时间</th>
  <th class="text-center">状态</th>
  <th class="text-center no-sort">编辑</th>
  <th class="text-center no-sort">生成</th>
  <th class="text-center no-sort">预览</th>
  <th class="text-center no-sort">发布</th>
  <th class="text-center no-sort">收取</th>
  <th class="text-center">提交数</th>
  <th class="text-center no-sort">生成反馈</th>
  <th class="text-center no-sort">发布反馈</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td colspan="11">加载中，请稍候…</td></tr>
{%- endblock -%}

{%- block table_footer -%}
<tr>
  <td colspan="11">
    <span class="glyphicon glyphicon-plus" aria-hidden="true"></span>
    <a href="#" onClick="createAssignmentModal();">新建作业 / Add new assignment...</a>
  </td>
</tr>
{%- endblock -%}
