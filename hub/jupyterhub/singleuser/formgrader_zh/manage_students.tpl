{#- nbgrader's "Manage Students" first page in Chinese -#}
{%- extends 'nbgrader/manage_students.tpl' -%}

{%- block breadcrumbs -%}
<ol class="breadcrumb">
  <li class="active">学员</li>
</ol>
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>姓名</th>
  <th class="text-center">学员账号</th>
  <th class="text-center">邮箱</th>
  <th class="text-center">总分</th>
  <th class="text-center no-sort">编辑</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td colspan="5">加载中，请稍候…</td></tr>
{%- endblock -%}
