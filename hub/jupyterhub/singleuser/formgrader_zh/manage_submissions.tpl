{#- nbgrader's "Manage Submissions" (one assignment's hand-ins) in Chinese -#}
{%- extends 'nbgrader/manage_submissions.tpl' -%}

{%- block title -%}
管理提交
{%- endblock -%}

{%- block sidebar -%}
<li role="presentation" class="active"><a href="{{ base_url }}/formgrader/manage_assignments">管理作业</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/gradebook">人工评分</a></li>
<li role="presentation"><a href="{{ base_url }}/formgrader/manage_students">管理学员</a></li>
{%- endblock -%}

{%- block breadcrumbs -%}
<ol class="breadcrumb">
  <li><a href="{{ base_url }}/formgrader/manage_assignments">作业</a></li>
  <li class="active">{{ assignment_id }}</li>
</ol>
{%- endblock -%}

{%- block messages -%}
<div class="alert alert-info">
平台在学员提交后即在沙箱中自动评分，这里的分数就是平台的分数；不必再点 Autograde。
/ The platform autogrades every hand-in in its sandbox as it arrives.
</div>
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>学员姓名</th>
  <th class="text-center">学员账号</th>
  <th class="text-center">提交时间</th>
  <th class="text-center">状态</th>
  <th class="text-center">得分</th>
  <th class="text-center no-sort">自动评分</th>
  <th class="text-center no-sort">生成反馈</th>
  <th class="text-center no-sort">发布反馈</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr>
  <td>加载中，请稍候…</td>
  <td></td>
  <td></td>
  <td></td>
  <td></td>
  <td></td>
  <td></td>
  <td></td>
</tr>
{%- endblock -%}
