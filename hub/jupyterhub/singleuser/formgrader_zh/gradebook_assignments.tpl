{#- nbgrader's "Manual Grading" first page (the list of assignments) in Chinese -#}
{%- extends 'nbgrader/gradebook_assignments.tpl' -%}

{%- block breadcrumbs -%}
<ol class="breadcrumb">
  <li class="active">人工评分</li>
</ol>
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>作业</th>
  <th class="text-center">截止时间</th>
  <th class="text-center">提交数</th>
  <th class="text-center">得分</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td colspan="4">加载中，请稍候…</td></tr>
{%- endblock -%}
